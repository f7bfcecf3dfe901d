using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DigiUsher.Testing;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// No container engine runs on our machines, so the images themselves are built only where one
/// exists. What can be checked here is checked: each Dockerfile's build stage is replayed (its COPY
/// steps, filtered by .dockerignore, into a scratch build context, then its dotnet commands) and
/// must publish the service that its runtime stage starts.
/// </summary>
public class DockerfileTests
{
    private static readonly string[] ServiceNames = ["DataSource", "CurPoller", "CurParser", "ResourceDiscovery", "Query"];

    public static TheoryData<string> Services => new(ServiceNames);

    private static string Root => TestEnvironment.RepositoryRoot;

    [Fact]
    public void Services_WhenListed_EachHasADockerfile()
    {
        var projects = Directory.GetFiles(Path.Combine(Root, "services"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p)!)).Order();

        Assert.Equal(ServiceNames.Order(), projects);
        Assert.All(projects, s => Assert.True(File.Exists(Path.Combine(Root, "services", s, "Dockerfile")), $"services/{s}/Dockerfile is missing"));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_WhenRead_BuildsItsOwnProjectAndRunsItsDllAsANonRootUser(string service)
    {
        var dockerfile = Dockerfile.Load(Path.Combine(Root, "services", service, "Dockerfile"));
        var project = $"services/{service}/DigiUsher.{service}.csproj";
        var assemblyName = XDocument.Load(Path.Combine(Root, project)).Descendants("AssemblyName").Single().Value;

        var build = dockerfile["build"];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        var commands = build.Arguments("RUN").ToList();
        Assert.Contains(commands, c => c.StartsWith($"dotnet restore {project}", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith($"dotnet publish {project} -c Release", StringComparison.Ordinal));
        var copies = build.Arguments("COPY").ToList();
        Assert.Contains(copies, c => c.Contains("Directory.Packages.props", StringComparison.Ordinal) && c.Contains("Directory.Build.props", StringComparison.Ordinal));

        // Every project the service needs must be in the context before restore (its .csproj) and
        // before publish (its sources), or the image build fails where this test cannot run it.
        var restoreIndex = build.Instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var copiedBeforeRestore = build.Instructions.Take(restoreIndex).Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ')).ToHashSet();
        foreach (var reference in ProjectClosure(Path.Combine(Root, project)))
        {
            var relative = Path.GetRelativePath(Root, reference).Replace('\\', '/');
            Assert.Contains(relative, copiedBeforeRestore);
            Assert.Contains(copies, c => c.Split(' ')[0] is var source && relative.StartsWith(source, StringComparison.Ordinal) && source.EndsWith('/'));
        }

        var runtime = dockerfile["runtime"];
        Assert.Same(runtime, dockerfile.Stages[^1]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", runtime.Image, StringComparison.Ordinal);
        Assert.Equal($"[\"dotnet\", \"{assemblyName}.dll\"]", Assert.Single(runtime.Arguments("ENTRYPOINT")));
        var user = Assert.Single(runtime.Arguments("USER"));
        Assert.True(user == "$APP_UID" || int.Parse(user, System.Globalization.CultureInfo.InvariantCulture) > 0, "the runtime stage must not run as root");
        Assert.Contains(runtime.Arguments("COPY"), c => c.StartsWith("--from=build", StringComparison.Ordinal));
        Assert.Equal("8080", Assert.Single(runtime.Arguments("EXPOSE")));
        var healthCheck = Assert.Single(runtime.Arguments("HEALTHCHECK"));
        Assert.Contains("/dev/tcp/127.0.0.1/8080", healthCheck, StringComparison.Ordinal);
        Assert.Contains("GET /health/live ", healthCheck, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfiles_WhenCompared_ShareOnePatternDifferingOnlyInTheServiceName()
    {
        var normalized = ServiceNames.Select(service =>
        {
            var text = File.ReadAllText(Path.Combine(Root, "services", service, "Dockerfile"));
            return text.Replace(service, "SERVICE", StringComparison.Ordinal)
                .Replace(KebabCase(service), "service", StringComparison.Ordinal);
        }).Distinct().ToList();

        Assert.Single(normalized);
    }

    [Fact]
    public async Task Dockerfiles_WhenTheirBuildStageIsReplayed_PublishEveryService()
    {
        var context = Directory.CreateTempSubdirectory("digiusher-docker-context-");
        try
        {
            var ignore = DockerIgnore.Load(Path.Combine(Root, ".dockerignore"));
            foreach (var service in ServiceNames)
            {
                var build = Dockerfile.Load(Path.Combine(Root, "services", service, "Dockerfile"))["build"];
                var output = Path.Combine(context.FullName, "out", service);
                foreach (var instruction in build.Instructions)
                {
                    if (instruction.Keyword == "COPY")
                    {
                        Copy(instruction.Arguments, context.FullName, ignore);
                    }
                    else if (instruction.Keyword == "RUN")
                    {
                        var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                            .Select(w => w == "/app" ? output : w).ToList();
                        Assert.Equal("dotnet", words[0]);
                        await CommandLine.RunAsync("dotnet", words.Skip(1), context.FullName, BuildEnvironment, TimeSpan.FromMinutes(8));
                    }
                }

                var runtimeConfig = Path.Combine(output, $"DigiUsher.{service}.runtimeconfig.json");
                Assert.True(File.Exists(Path.Combine(output, $"DigiUsher.{service}.dll")), $"{service}: the published dll is missing");
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(runtimeConfig));
                var frameworks = json.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray()
                    .Select(f => f.GetProperty("name").GetString()).ToList();
                Assert.Contains("Microsoft.AspNetCore.App", frameworks);
                Assert.False(File.Exists(Path.Combine(output, $"DigiUsher.{service}")), "UseAppHost=false: the aspnet image starts the dll with dotnet");
            }
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    // No long-lived MSBuild or compiler servers left behind by the test.
    private static readonly Dictionary<string, string> BuildEnvironment = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static void Copy(string arguments, string context, DockerIgnore ignore)
    {
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
        var destination = Path.Combine(context, parts[^1].TrimStart('.', '/'));
        foreach (var source in parts[..^1])
        {
            var from = Path.Combine(Root, source.TrimEnd('/'));
            if (Directory.Exists(from))
            {
                foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(Root, file).Replace('\\', '/');
                    if (!ignore.Excludes(relative))
                    {
                        var target = Path.Combine(destination, Path.GetRelativePath(from, file));
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.Copy(file, target, overwrite: true);
                    }
                }
            }
            else
            {
                Assert.True(File.Exists(from), $"COPY {source}: no such file in the repository");
                Assert.False(ignore.Excludes(source), $"COPY {source}: excluded by .dockerignore");
                Directory.CreateDirectory(destination);
                File.Copy(from, Path.Combine(destination, Path.GetFileName(from)), overwrite: true);
            }
        }
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!result.Add(current))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, reference.Attribute("Include")!.Value)));
            }
        }

        return result;
    }

    private static string KebabCase(string name) => Regex.Replace(name, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();

    /// <summary>The subset of .dockerignore syntax we use: globs with <c>**</c>, <c>*</c> and a trailing <c>/</c> for folders.</summary>
    private sealed class DockerIgnore(IReadOnlyList<Regex> patterns)
    {
        public static DockerIgnore Load(string path) => new(File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => new Regex("^" + Regex.Escape(l.TrimEnd('/'))
                .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
                .Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "(/.*)?$", RegexOptions.CultureInvariant))
            .ToList());

        public bool Excludes(string relativePath) => patterns.Any(p => p.IsMatch(relativePath));
    }
}
