# shellcheck shell=bash
# The Nginx site's two forms, for bootstrap.sh (the server) and lint.sh (nginx -t here): sourced,
# defines one function and changes nothing.
#
#   site_template TLS ACME DIR -> stdout: DIR/nginx-site.conf.in with DIR/nginx-app.conf.in in it,
#   still with its @KEY@ values to fill in.
#   TLS=1: plain HTTP redirects to the HTTPS server, which serves the site (a certificate exists);
#   TLS=0: plain HTTP serves the site. ACME=1: plain HTTP also answers the ACME HTTP-01 challenge.
site_template() {
    local tls=$1 acme=$2 dir=$3 template app
    template=$(sed \
        -e "$( ((tls)) && echo 's/^@TLS@//' || echo '/^@TLS@/d')" \
        -e "$( ((tls)) && echo '/^@PLAIN@/d' || echo 's/^@PLAIN@//')" \
        -e "$( ((acme)) && echo 's/^@ACME@//' || echo '/^@ACME@/d')" \
        "$dir/nginx-site.conf.in"; echo x)
    template=${template%x}
    app=$(cat "$dir/nginx-app.conf.in"; echo x)
    app=${app%x}
    printf '%s' "${template//@APP@/${app%$'\n'}}"
}
