using TableOrder.Build.Local;

namespace TableOrder.Build.Environments;

/// <summary>An environment whose parts run on this machine (local, and the rehearsal's instance, database and cache).</summary>
public interface ILocalStackHolder
{
    /// <summary>This state folder's local stack; null when the environment has none (production).</summary>
    LocalEnvironment? LocalStack { get; }

    /// <summary>Holds the stack for the rest of the build: a second build fails at once.</summary>
    void HoldStack();
}
