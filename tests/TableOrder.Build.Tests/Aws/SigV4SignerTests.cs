using System.Text;
using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The signer against AWS's published Signature Version 4 test suite (get-vanilla and friends).</summary>
[Trait("Category", "Unit")]
public sealed class SigV4SignerTests
{
    private static readonly SigningKeys SuiteKeys = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private static string Authorization(string method, string url, string payload = "") =>
        SigV4Signer.Sign(method, new Uri(url), new Dictionary<string, string> { ["Host"] = "example.amazonaws.com" }, Encoding.UTF8.GetBytes(payload), SuiteKeys, "us-east-1", "service", SuiteTime)["Authorization"];

    [Fact]
    public void Get_vanilla_gives_the_published_signature()
    {
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            Authorization("GET", "https://example.amazonaws.com/"));
    }

    [Fact]
    public void Query_parameters_are_signed_in_sorted_order()
    {
        // get-vanilla-query-order-key-case
        Assert.EndsWith(
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            Authorization("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1"));
    }

    [Fact]
    public void The_date_and_a_session_token_are_added_and_signed()
    {
        var headers = SigV4Signer.Sign("POST", new Uri("https://example.amazonaws.com/"), new Dictionary<string, string> { ["Host"] = "example.amazonaws.com" }, [], SuiteKeys with { SessionToken = "token" }, "us-east-1", "service", SuiteTime);
        Assert.Equal("20150830T123600Z", headers["x-amz-date"]);
        Assert.Equal("token", headers["x-amz-security-token"]);
        Assert.Contains("SignedHeaders=host;x-amz-date;x-amz-security-token,", headers["Authorization"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("arn:aws:x/y", "arn%3Aaws%3Ax%2Fy")]
    [InlineData("A-z_0.9~", "A-z_0.9~")]
    public void Values_are_encoded_as_rfc3986(string value, string encoded) => Assert.Equal(encoded, SigV4Signer.Encode(value));
}
