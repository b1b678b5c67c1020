// The build drives Linux tools (systemd-nspawn, mmdebstrap, terraform, ssh): it runs on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
