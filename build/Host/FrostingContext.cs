using Cake.Core;

namespace Cake.Frosting;

/// <summary>The build's context: a Cake context that tasks receive.</summary>
#pragma warning disable CA1040 // Frosting's marker interface
public interface IFrostingContext : ICakeContext;
#pragma warning restore CA1040

/// <summary>Base class of a build context, as in Cake.Frosting.</summary>
public class FrostingContext(ICakeContext context) : CakeContextAdapter(context), IFrostingContext;
