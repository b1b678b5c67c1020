using TableOrder.Build.Diagnostics;
using Xunit;

namespace TableOrder.Build.Tests.Diagnostics;

[Trait("Category", "Unit")]
public sealed class SecretMaskerTests
{
    [Fact]
    public void Masks_every_occurrence()
    {
        var masker = new SecretMasker();
        masker.Add("s3cr3t-pw");

        Assert.Equal("pw=*** again ***", masker.Apply("pw=s3cr3t-pw again s3cr3t-pw"));
    }

    [Fact]
    public void Longer_secret_is_masked_before_its_prefix()
    {
        var masker = new SecretMasker();
        masker.Add("abcd");
        masker.Add("abcdefgh");

        Assert.Equal("x *** y ***", masker.Apply("x abcdefgh y abcd"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    public void Short_or_empty_values_are_not_registered(string? secret)
    {
        var masker = new SecretMasker();
        masker.Add(secret);

        Assert.Equal("abc and the rest", masker.Apply("abc and the rest"));
    }

    [Fact]
    public void Text_without_secrets_is_unchanged()
    {
        var masker = new SecretMasker();
        masker.Add("password123");

        Assert.Equal("nothing to see", masker.Apply("nothing to see"));
    }

    [Fact]
    public void Matching_is_case_sensitive()
    {
        var masker = new SecretMasker();
        masker.Add("Secret-Value");

        Assert.Equal("secret-value ***", masker.Apply("secret-value Secret-Value"));
    }

    [Fact]
    public void Null_text_is_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new SecretMasker().Apply(null!));
    }

    [Fact]
    public void Concurrent_adds_and_applies_are_safe()
    {
        var masker = new SecretMasker();

        Parallel.For(0, 200, i =>
        {
            masker.Add($"secret-{i:D4}");
            _ = masker.Apply($"line with secret-{i:D4}");
        });

        Assert.Equal("*** ***", masker.Apply("secret-0000 secret-0199"));
    }
}
