namespace TableOrder.Build.Server;

/// <summary>The ports Nginx and the API use on the server: 80/8000 on EC2, their own ports locally.</summary>
public sealed record ServerPorts(int Http, int Api)
{
    public static readonly ServerPorts Production = new(80, 8000);
}
