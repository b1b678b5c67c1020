using System.Text.RegularExpressions;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

/// <summary>
/// terraform/.terraform.lock.hcl must let `terraform init` verify hashicorp/aws 5.100.0 on every platform the
/// team uses (linux_amd64, linux_arm64, darwin_amd64, darwin_arm64, windows_amd64), not only on the machine
/// that wrote it.
/// </summary>
/// <remarks>
/// <para>
/// A <c>zh:</c> hash is the SHA-256 of one release archive (terraform-provider-aws_5.100.0_&lt;os&gt;_&lt;arch&gt;.zip),
/// as listed in the release's signed SHA256SUMS. Terraform records all of them when it installs from the
/// registry, so every public lock file for 5.100.0 carries the same 15 (one per published archive, among them
/// the five platforms above); they were copied from such lock files (two independent ones agree), not computed. With them, init on any of the five platforms checks the downloaded archive against
/// the lock and then adds that platform's <c>h1:</c>. The hash alone does not say which archive it belongs
/// to, so the test pins the whole published set: removing any one fails.
/// </para>
/// <para>
/// <c>h1:</c> hashes (of the unpacked package) in the lock: linux_amd64 (edXOJWE4…, computed here from the
/// offline mirror by <c>terraform providers lock -fs-mirror</c>), windows_amd64 (H3mU…) and darwin_arm64
/// (Ijt7…) from public lock files written on those platforms. linux_arm64's and darwin_amd64's h1 were not
/// found published; their zh entries cover them.
/// </para>
/// </remarks>
[Trait("Category", "Unit")]
public sealed class LockFileTests
{
    private const string Provider = "registry.terraform.io/hashicorp/aws";

    private const string Version = "5.100.0";

    /// <summary>The release's published archive checksums (SHA256SUMS of terraform-provider-aws 5.100.0).</summary>
    private static readonly string[] PublishedArchiveHashes =
    [
        "zh:054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644",
        "zh:0b97bf8d5e03d15d83cc40b0530a1f84b459354939ba6f135a0086c20ebbe6b2",
        "zh:1589a2266af699cbd5d80737a0fe02e54ec9cf2ca54e7e00ac51c7359056f274",
        "zh:6330766f1d85f01ae6ea90d1b214b8b74cc8c1badc4696b165b36ddd4cc15f7b",
        "zh:7c8c2e30d8e55291b86fcb64bdf6c25489d538688545eb48fd74ad622e5d3862",
        "zh:99b1003bd9bd32ee323544da897148f46a527f622dc3971af63ea3e251596342",
        "zh:9b12af85486a96aedd8d7984b0ff811a4b42e3d88dad1a3fb4c0b580d04fa425",
        "zh:9f8b909d3ec50ade83c8062290378b1ec553edef6a447c56dadc01a99f4eaa93",
        "zh:aaef921ff9aabaf8b1869a86d692ebd24fbd4e12c21205034bb679b9caf883a2",
        "zh:ac882313207aba00dd5a76dbd572a0ddc818bb9cbf5c9d61b28fe30efaec951e",
        "zh:bb64e8aff37becab373a1a0cc1080990785304141af42ed6aa3dd4913b000421",
        "zh:dfe495f6621df5540d9c92ad40b8067376350b005c637ea6efac5dc15028add4",
        "zh:f0ddf0eaf052766cfe09dea8200a946519f653c384ab4336e2a4a64fdd6310e9",
        "zh:f1b7e684f4c7ae1eed272b6de7d2049bb87a0275cb04dbb7cda6636f600699c9",
        "zh:ff461571e3f233699bf690db319dfe46aec75e58726636a0d97dd9ac6e32fb70",
    ];

    /// <summary>Package (h1) hashes by platform, where one is known (see the remarks for their sources).</summary>
    private static readonly Dictionary<string, string> PackageHashes = new(StringComparer.Ordinal)
    {
        ["linux_amd64"] = "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
        ["windows_amd64"] = "h1:H3mU/7URhP0uCRGK8jeQRKxx2XFzEqLiOq/L2Bbiaxs=",
        ["darwin_arm64"] = "h1:Ijt7pOlB7Tr7maGQIqtsLFbl7pSMIj06TVdkoSBcYOw=",
    };

    private static string LockFilePath => Path.Combine(RepositoryRoot.Path, "terraform", ".terraform.lock.hcl");

    [Fact]
    public void The_published_set_has_one_archive_hash_per_release_archive()
    {
        Assert.Equal(15, PublishedArchiveHashes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(PublishedArchiveHashes, hash => Assert.Matches("^zh:[0-9a-f]{64}$", hash));
    }

    [Fact]
    public void Lock_file_covers_every_platform_of_the_release()
    {
        var problems = Problems(File.ReadAllText(LockFilePath));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    public static TheoryData<string> EveryHash()
    {
        var data = new TheoryData<string>();
        foreach (var hash in PublishedArchiveHashes.Concat(PackageHashes.Values))
        {
            data.Add(hash);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryHash))]
    public void Removing_any_hash_is_caught(string hash)
    {
        var text = File.ReadAllText(LockFilePath);
        var line = $"    \"{hash}\",\n";
        Assert.Contains(line, text.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var problems = Problems(text.ReplaceLineEndings("\n").Replace(line, string.Empty, StringComparison.Ordinal));

        Assert.Contains(problems, problem => problem.Contains(hash, StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_platform_lock_is_caught()
    {
        var lockText = $$"""
            provider "{{Provider}}" {
              version     = "{{Version}}"
              constraints = "~> 5.0"
              hashes = [
                "{{PackageHashes["linux_amd64"]}}",
              ]
            }
            """;

        Assert.Equal(PublishedArchiveHashes.Length + PackageHashes.Count - 1, Problems(lockText).Count);
    }

    /// <summary>Everything that keeps the lock from verifying 5.100.0 on every platform; empty when it can.</summary>
    private static List<string> Problems(string lockText)
    {
        var problems = new List<string>();
        var block = Regex.Match(lockText, $"provider \"{Regex.Escape(Provider)}\" \\{{(?<body>.*?)\\n\\}}", RegexOptions.Singleline);
        if (!block.Success)
        {
            problems.Add($"No provider \"{Provider}\" block.");
            return problems;
        }

        var body = block.Groups["body"].Value;
        var version = Regex.Match(body, "^\\s*version\\s*=\\s*\"(?<v>[^\"]+)\"", RegexOptions.Multiline);
        if (!version.Success || version.Groups["v"].Value != Version)
        {
            problems.Add($"The lock must select {Version}, not '{(version.Success ? version.Groups["v"].Value : "nothing")}'.");
        }

        var hashes = Regex.Matches(body, "\"(?<h>(?:h1|zh):[^\"]+)\"").Select(m => m.Groups["h"].Value).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(PublishedArchiveHashes.Where(h => !hashes.Contains(h)).Select(h => $"Missing archive hash {h}."));
        problems.AddRange(PackageHashes.Where(p => !hashes.Contains(p.Value)).Select(p => $"Missing {p.Key} package hash {p.Value}."));
        problems.AddRange(hashes.Where(h => h.StartsWith("zh:", StringComparison.Ordinal) && !PublishedArchiveHashes.Contains(h)).Select(h => $"Unknown archive hash {h}: not in the 5.100.0 release's SHA256SUMS."));
        return problems;
    }
}
