// The build under test runs on Linux only (it drives terraform, ssh, systemd-nspawn); so do its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
