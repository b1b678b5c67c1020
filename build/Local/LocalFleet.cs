using System.Globalization;
using System.Text.Json;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>One app-server machine of a local stack: its index, its own layout (ports, name, machine copy) and the machine.</summary>
public sealed record LocalAppServer(int Index, LocalLayout Layout, LocalMachine Machine)
{
    /// <summary>The load balancer's name for it.</summary>
    public string Name => $"app-{Index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The app-server machines of one local stack (--servers=N). Machine 1 is the stack's own, exactly
/// as with one server; machine k (k &gt; 1) lives in servers/app-k/ below the state folder, with
/// its own ports, name and copy of the same image. All of them share the stack's PostgreSQL and
/// Redis. The count is remembered (servers.json), so Status, Logs and LocalDown reach every machine;
/// above 1, HAProxy in front is the stack's public URL.
/// </summary>
public sealed class LocalFleet(LocalLayout layout, LocalMachine first, LocalProcess process, ICakeLog log)
{
    public const string FileName = "servers.json";

    private string CountFile => Path.Combine(layout.StateDirectory, FileName);

    public const string JoiningFile = "joining";

    public LocalLoadBalancer LoadBalancer { get; } = new(layout, process, log);

    /// <summary>The stand-in of the release bucket: what a machine that joins the stack serves.</summary>
    public LocalReleaseBucket Bucket { get; } = new(layout.StateDirectory);

    /// <summary>The remembered count; 1 for a stack that never had more.</summary>
    public int Count =>
        File.Exists(CountFile) && JsonSerializer.Deserialize<Remembered>(File.ReadAllText(CountFile)) is { Servers: > 0 } remembered ? remembered.Servers : 1;

    public IReadOnlyList<LocalAppServer> Servers => [.. Enumerable.Range(1, Count).Select(Server)];

    public LocalAppServer Server(int index)
    {
        if (index == 1)
        {
            return new LocalAppServer(1, layout, first);
        }

        var own = new LocalLayout(Path.Combine(layout.StateDirectory, "servers", $"app-{index.ToString(CultureInfo.InvariantCulture)}"), layout.CacheDirectory, layout.RepositoryRoot) { DebianMirror = layout.DebianMirror };
        var server = new LocalAppServer(index, own, new LocalMachine(own, process, log));
        if (BeforeBoot is { } prepare)
        {
            server.Machine.BeforeBoot = () => prepare(server);
        }

        return server;
    }

    /// <summary>What an environment adds to machine 2..N's copy before each boot (the rehearsal: cloud-init's seed); machine 1's is its own.</summary>
    public Action<LocalAppServer>? BeforeBoot { get; set; }

    /// <summary>
    /// Boots machines 2..<paramref name="count"/> (machine 1 is started with the stack), stops the
    /// ones beyond it, and runs HAProxy in front when there are several (stopped with one). A
    /// machine added to a stack that already serves a release (the bucket has a current one) is
    /// marked joining (a file in its folder, written before it boots, so a crash leaves the mark)
    /// and stays out of HAProxy until <see cref="Joined"/>.
    /// </summary>
    public void ScaleTo(int count)
    {
        var before = Count;
        var release = Bucket.Current;
        for (var index = 2; index <= Math.Max(before, count); index++)
        {
            var server = Server(index);
            if (index <= count)
            {
                if (index > before && release is not null)
                {
                    Directory.CreateDirectory(server.Layout.StateDirectory);
                    File.WriteAllText(JoiningMark(server), release + "\n");
                }

                server.Machine.Start();
            }
            else
            {
                server.Machine.Stop();
                File.Delete(JoiningMark(server));
            }
        }

        Directory.CreateDirectory(layout.StateDirectory);
        File.WriteAllText(CountFile, JsonSerializer.Serialize(new Remembered(count)));
        Balance();
    }

    /// <summary>
    /// Remembers <paramref name="count"/> machines and runs HAProxy in front of several (stopped with one),
    /// starting none: an environment that boots its machines itself (the rehearsal: each is an instance of
    /// its AWS) uses this instead of <see cref="ScaleTo"/>.
    /// </summary>
    public void ServeWith(int count)
    {
        Directory.CreateDirectory(layout.StateDirectory);
        File.WriteAllText(CountFile, JsonSerializer.Serialize(new Remembered(count)));
        Balance();
    }

    /// <summary>Machines that joined the running stack and do not serve its release yet (HAProxy leaves them out).</summary>
    public IReadOnlyList<LocalAppServer> Joining => [.. Servers.Where(s => File.Exists(JoiningMark(s)))];

    /// <summary>The machine serves the stack's release: HAProxy takes it in (a soft reload) and health-checks it.</summary>
    public void Joined(LocalAppServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        File.Delete(JoiningMark(server));
        Balance();
    }

    private static string JoiningMark(LocalAppServer server) => Path.Combine(server.Layout.StateDirectory, JoiningFile);

    /// <summary>
    /// Whether HAProxy sends a machine traffic: by default every machine but a joining one; in the
    /// rehearsal, the targets registered in its AWS's target group (the ALB's members).
    /// </summary>
    public Func<LocalAppServer, bool>? TakesTraffic { get; set; }

    /// <summary>HAProxy in front of several machines (those that take no traffic in maintenance), none with one.</summary>
    private void Balance()
    {
        var takesTraffic = TakesTraffic ?? (s => !File.Exists(JoiningMark(s)));
        if (Count > 1)
        {
            LoadBalancer.Start([.. Servers.Select(s => (s.Name, s.Layout.Ports.Http, takesTraffic(s)))]);
        }
        else
        {
            LoadBalancer.Stop();
        }
    }

    /// <summary>Stops HAProxy and every machine but the first (the stack stops that one); whatever of them runs.</summary>
    public void StopExtra()
    {
        LoadBalancer.Stop();
        var folder = Path.Combine(layout.StateDirectory, "servers");
        var known = Directory.Exists(folder) ? Directory.GetDirectories(folder, "app-*").Length + 1 : 1;
        for (var index = 2; index <= Math.Max(known, Count); index++)
        {
            Server(index).Machine.Stop();
        }
    }

    private sealed record Remembered(int Servers);
}
