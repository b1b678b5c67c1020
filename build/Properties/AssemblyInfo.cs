// The build drives Linux tools (systemd-nspawn, debootstrap, terraform, ssh): it runs on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
