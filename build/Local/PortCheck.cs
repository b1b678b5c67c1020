using System.Net;
using System.Net.Sockets;

namespace TableOrder.Build.Local;

public static class PortCheck
{
    /// <summary>True when something accepts connections on 127.0.0.1:port.</summary>
    /// <remarks>
    /// A blocking connect: on loopback it is answered at once (accepted or refused). An async
    /// connect with a short wait could time out on a busy thread pool and call a taken port free.
    /// </remarks>
    public static bool IsListening(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
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
