using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace TableOrder.Build.Aws;

/// <summary>Credentials found by the SDK's default chain, and where they came from (for the log).</summary>
public sealed record AwsCredentialsSource(AWSCredentials Credentials, string Source);

/// <summary>
/// Proves, before the first side effect of a production run, that the SDK's default credential chain
/// finds credentials (environment, AWS_PROFILE / default profile incl. SSO, web identity, container or
/// instance role), so a run without them stops at once with what to do instead of failing half-way.
/// Only the credential providers are asked, no AWS API (no STS call): environment and static profile
/// credentials need no network at all. The instance metadata endpoint, the last link of the chain, can
/// hang on a machine outside AWS whose network drops its packets: the whole check is capped by
/// <paramref name="timeout"/>, and AWS_EC2_METADATA_DISABLED=true skips it entirely (set in CI).
/// </summary>
public static class AwsCredentialsCheck
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public const string HowToProvide =
        "Provide AWS credentials in one of these ways: " +
        "AWS_PROFILE=<profile> (a profile in ~/.aws/config or ~/.aws/credentials; for IAM Identity Center run 'aws sso login --profile <profile>' first); " +
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys); " +
        "in GitHub Actions, aws-actions/configure-aws-credentials with role-to-assume (OIDC, permissions id-token: write).";

    public static async Task<AwsCredentialsSource> ResolveAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        AWSCredentials credentials;
        try
        {
            // ResolveIdentity is synchronous; WaitAsync bounds it even if a provider ignores the token.
            credentials = await Task.Run(() => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null, cts.Token), cts.Token).WaitAsync(limit, cancellationToken);
            await credentials.GetCredentialsAsync().WaitAsync(cts.Token);
        }
        catch (Exception ex) when (ex is AmazonClientException or ArgumentException or InvalidOperationException)
        {
            var details = Condense(ex.Message);
            throw new AwsCredentialsException($"No usable AWS credentials: {FirstLine(ex.Message)} {HowToProvide}" + (details.Length == 0 ? string.Empty : $" (SDK: {details})"), ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or TimeoutException)
        {
            throw new AwsCredentialsException(
                $"Looking for AWS credentials took longer than {limit.TotalSeconds:0}s (most likely the EC2 instance metadata endpoint, which only answers on AWS; " +
                $"set AWS_EC2_METADATA_DISABLED=true outside AWS). {HowToProvide}",
                ex);
        }

        return new AwsCredentialsSource(credentials, Describe(credentials));
    }

    /// <summary>A readable name for where the chain found the credentials.</summary>
    public static string Describe(AWSCredentials credentials) => credentials switch
    {
        EnvironmentVariablesAWSCredentials => "environment variables (AWS_ACCESS_KEY_ID)",
        AssumeRoleWithWebIdentityCredentials => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN)",
        InstanceProfileAWSCredentials => "the EC2 instance role",
        GenericContainerCredentials => "the container's task role",
        SSOAWSCredentials => "an IAM Identity Center (SSO) profile",
        AssumeRoleAWSCredentials => "a profile that assumes a role",
        _ when credentials.GetType().Name.Contains("InstanceProfile", StringComparison.Ordinal) => "the EC2 instance role",
        _ => Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } profile ? $"profile '{profile}'" : "the default profile",
    };

    private static string FirstLine(string message) =>
        message.Split('\n', 2)[0].Trim().TrimEnd('.', ':') + ".";

    private static string Condense(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1));
}

/// <summary>No AWS credentials could be found or used; the message says how to provide them.</summary>
public sealed class AwsCredentialsException(string message, Exception? inner = null) : AwsException(message, inner);
