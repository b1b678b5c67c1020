using TableOrder.Build.Server;

namespace TableOrder.Build.Aws;

/// <summary>
/// Amazon RDS's certificate authorities, which the app verifies the database against (sslmode=verify-full):
/// AWS's global bundle (the root CAs of every commercial region), downloaded on the server by
/// bootstrap.sh and installed only when its SHA-256 is the pinned one. When AWS publishes a new bundle
/// the download is refused, naming this file: check the new bundle
/// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html) and pin its SHA-256 here.
/// </summary>
public static class RdsCertificateAuthority
{
    public static readonly Uri GlobalBundleUrl = new("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");

    /// <summary>
    /// The bundle's SHA-256 as several public projects pin it (2026-08 and 2026-09, 108 certificates);
    /// AWS itself publishes no checksum for it.
    /// </summary>
    public const string GlobalBundleSha256 = "e5bb2084ccf45087bda1c9bffdea0eb15ee67f0b91646106e466714f9de3c7e3";

    public static DatabaseCa GlobalBundle { get; } = DatabaseCa.Download(GlobalBundleUrl, GlobalBundleSha256);
}
