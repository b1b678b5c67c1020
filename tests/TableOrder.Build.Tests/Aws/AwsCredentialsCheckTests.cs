using System.Diagnostics;
using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>These tests change process-wide AWS_* variables: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AwsEnvironmentTests
{
    public const string Name = "AwsEnvironment";
}

[Trait("Category", "Unit")]
[Collection(AwsEnvironmentTests.Name)]
public sealed class AwsCredentialsCheckTests : IDisposable
{
    private static readonly string[] Variables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    ];

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    /// <summary>One folder for the whole class: the SDK keeps the profile file location it first saw.</summary>
    /// (Profile resolution itself is the SDK's; it caches the file's location per process, so it is not re-tested here.)
    private static readonly string Profiles = CreateProfiles();

    public AwsCredentialsCheckTests()
    {
        foreach (var variable in Variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        // No profile files: the chain must not find the developer's own.
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(Profiles, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(Profiles, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    public void Dispose()
    {
        foreach (var (variable, value) in _saved)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }

    }

    [Fact]
    public async Task NoCredentialsSaysHowToProvideThem()
    {
        var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => AwsCredentialsCheck.ResolveAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("No usable AWS credentials", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_PROFILE=", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("aws sso login", error.Message, StringComparison.Ordinal);
        Assert.Contains("role-to-assume", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindsEnvironmentCredentialsWithoutTheNetwork()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

        var found = await AwsCredentialsCheck.ResolveAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("environment variables (AWS_ACCESS_KEY_ID)", found.Source);
        Assert.Equal("AKIAIOSFODNN7EXAMPLE", (await found.Credentials.GetCredentialsAsync()).AccessKey);
    }

    [Fact]
    public async Task AnInstanceMetadataEndpointThatNeverAnswersDoesNotHang()
    {
        // An endpoint that accepts connections and never answers, like IMDS seen from outside AWS on some networks.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", null);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT", $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => AwsCredentialsCheck.ResolveAsync(TimeSpan.FromSeconds(1)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", error.Message, StringComparison.Ordinal);
    }

    private static string CreateProfiles()
    {
        var folder = Directory.CreateTempSubdirectory("tableorder-aws-profiles-").FullName;
        File.WriteAllText(Path.Combine(folder, "credentials"), "[deploy]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n");
        return folder;
    }
}
