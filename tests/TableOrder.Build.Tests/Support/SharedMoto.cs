using TableOrder.Build.Testing;
using Xunit;

namespace TableOrder.Build.Tests.Support;

/// <summary>The tests that share the one moto (one after the other; each resets it).</summary>
[CollectionDefinition(Name)]
public sealed class SharedMoto : ICollectionFixture<MotoAws>
{
    public const string Name = "moto";
}
