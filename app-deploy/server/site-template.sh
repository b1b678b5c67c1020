# shellcheck shell=bash
# The Nginx site's two forms, for bootstrap.sh (the server), lint.sh (nginx -t here) and the tests
# (the site as the server gets it): sourced, defines two functions and changes nothing.
# render_text comes from script-lib.sh beside it.
# shellcheck source=SCRIPTDIR/script-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/script-lib.sh"
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

#   site_render TLS ACME DIR CIDRS KEY=VALUE... -> stdout: that template with every @KEY@ filled in.
#   CIDRS: the load balancer's networks, comma-separated (empty: no load balancer in front), written
#   as the site's set_real_ip_from lines and the entries of its load-balancer geo blocks.
site_render() {
    local tls=$1 acme=$2 dir=$3 cidrs=$4 content cidr real_ip_from='' balancer_geo=''
    local -a networks=()
    shift 4
    IFS=',' read -r -a networks <<<"$cidrs"
    for cidr in "${networks[@]}"; do
        real_ip_from+="set_real_ip_from $cidr;"$'\n'
        balancer_geo+="    $cidr  1;"$'\n'
    done
    content=$(site_template "$tls" "$acme" "$dir"; echo x)
    render_text "${content%x}" "$@" "REAL_IP_FROM=$real_ip_from" "BALANCER_GEO=$balancer_geo"
}
