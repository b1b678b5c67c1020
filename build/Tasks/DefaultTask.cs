using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("Default")]
[TaskDescription("Runs Validate.")]
[IsDependentOn(typeof(ValidateTask))]
public sealed class DefaultTask : FrostingTask;
