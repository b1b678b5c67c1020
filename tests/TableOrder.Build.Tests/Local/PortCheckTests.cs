using System.Net;
using System.Net.Sockets;
using TableOrder.Build.Local;
using Xunit;

namespace TableOrder.Build.Tests.Local;

[Trait("Category", "Unit")]
public sealed class PortCheckTests
{
    [Fact]
    public void A_taken_port_is_a_clear_error_that_names_it_and_what_needs_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var error = Assert.Throws<LocalEnvironmentException>(() => PortCheck.EnsureFree(port, "PostgreSQL"));

        Assert.Contains($"Port {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);
        Assert.Contains("ss -ltnp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_free_port_passes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        PortCheck.EnsureFree(port, "Redis");
        Assert.False(PortCheck.IsListening(port));
    }
}
