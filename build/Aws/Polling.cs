namespace TableOrder.Build.Aws;

/// <summary>
/// How often a wait asks AWS again: starts at <see cref="Initial"/>, grows by <see cref="Factor"/>
/// up to <see cref="Max"/>. Tests pass milliseconds; the defaults suit real AWS.
/// </summary>
public sealed record Polling(TimeSpan Initial, TimeSpan Max, double Factor = 1.5)
{
    /// <summary>EC2 status checks and console output change in tens of seconds.</summary>
    public static Polling Ec2Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));

    /// <summary>SSM commands often finish in a second or two; long ones are polled less often.</summary>
    public static Polling SsmDefault { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), 2);

    public TimeSpan Next(TimeSpan current) =>
        TimeSpan.FromTicks(Math.Min(Max.Ticks, Math.Max(Initial.Ticks, (long)(current.Ticks * Factor))));
}
