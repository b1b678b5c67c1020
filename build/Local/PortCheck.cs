using System.Net.Sockets;

namespace TableOrder.Build.Local;

public static class PortCheck
{
    /// <summary>True when something accepts connections on 127.0.0.1:port.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromMilliseconds(500)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static void EnsureFree(int port, string forWhat)
    {
        if (IsListening(port))
        {
            throw new LocalEnvironmentException(
                $"Port {port} on 127.0.0.1 is taken by another program, and the local {forWhat} needs it. Stop that program (see `ss -ltnp 'sport = :{port}'`) and run again.");
        }
    }
}
