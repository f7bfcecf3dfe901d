using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DigiUsher.Testing;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// No container engine runs on our machines, so the images themselves are built only where one
/// exists. What can be checked here is checked: the one Dockerfile's build stage is replayed for each
/// service (its COPY steps, filtered by .dockerignore, into a scratch build context, then its dotnet
/// commands, with the build argument SERVICE naming the service) and must publish the service that
/// its runtime stage starts; the entry point's shell line is run on the published service.
/// </summary>
public class DockerfileTests
{
    private static string Root => TestEnvironment.RepositoryRoot;

    private static string DockerfilePath => Path.Combine(Root, "Dockerfile");

    /// <summary>Every folder under services/ with its project: the services the one Dockerfile builds.</summary>
    private static IReadOnlyList<string> ServiceNames => Directory.GetDirectories(Path.Combine(Root, "services"))
        .Where(d => Directory.GetFiles(d, "*.csproj").Length > 0)
        .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    public static TheoryData<string> Services => new(ServiceNames);

    private static Dockerfile Load(string service) => Dockerfile.Load(DockerfilePath, new Dictionary<string, string> { ["SERVICE"] = service });

    [Fact]
    public void Services_WhenListed_AreBuiltByTheOneDockerfileFromTheirProjectName()
    {
        Assert.Superset(new HashSet<string>(["DataSource", "CurPoller", "CurParser", "ResourceDiscovery", "Query"]), ServiceNames.ToHashSet());
        foreach (var service in ServiceNames)
        {
            var projects = Directory.GetFiles(Path.Combine(Root, "services", service), "*.csproj").Select(Path.GetFileName);
            Assert.Equal([$"DigiUsher.{service}.csproj"], projects);
            Assert.False(File.Exists(Path.Combine(Root, "services", service, "Dockerfile")), $"services/{service}/Dockerfile: one Dockerfile at the root builds every service");
        }

        var arguments = File.ReadAllLines(DockerfilePath).Where(l => l.StartsWith("ARG ", StringComparison.Ordinal)).ToList();
        Assert.Contains("ARG SERVICE", arguments);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_WhenBuiltForAService_BuildsItsOwnProjectAndRunsItsDllAsANonRootUser(string service)
    {
        var dockerfile = Load(service);
        var project = $"services/{service}/DigiUsher.{service}.csproj";
        var assemblyName = XDocument.Load(Path.Combine(Root, project)).Descendants("AssemblyName").SingleOrDefault()?.Value ?? $"DigiUsher.{service}";

        var build = dockerfile["build"];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        var commands = build.Arguments("RUN").Select(DotnetCommand).ToList();
        Assert.Contains(commands, c => c.StartsWith($"dotnet restore {project}", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith($"dotnet publish {project} -c Release", StringComparison.Ordinal));
        var copies = build.Arguments("COPY").ToList();
        Assert.Contains(copies, c => c.Contains("Directory.Packages.props", StringComparison.Ordinal) && c.Contains("Directory.Build.props", StringComparison.Ordinal));

        // Every project the service needs must be in the context before restore, or the image build
        // fails where this test cannot run it.
        var restoreIndex = build.Instructions.FindIndex(i => i.Keyword == "RUN" && DotnetCommand(i.Arguments).StartsWith("dotnet restore", StringComparison.Ordinal));
        var copiedBeforeRestore = build.Instructions.Take(restoreIndex).Where(i => i.Keyword == "COPY").Select(i => i.Arguments.Split(' ')[0]).ToList();
        foreach (var reference in ProjectClosure(Path.Combine(Root, project)))
        {
            var relative = Path.GetRelativePath(Root, reference).Replace('\\', '/');
            Assert.Contains(copiedBeforeRestore, source => relative == source || (source.EndsWith('/') && relative.StartsWith(source, StringComparison.Ordinal)));
        }

        var runtime = dockerfile["runtime"];
        Assert.Same(runtime, dockerfile.Stages[^1]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", runtime.Image, StringComparison.Ordinal);
        Assert.Contains(runtime.Arguments("ENV"), e => e.StartsWith($"DIGIUSHER_SERVICE={service} ", StringComparison.Ordinal));
        Assert.Equal($"{assemblyName}.dll", $"DigiUsher.{service}.dll");
        var user = Assert.Single(runtime.Arguments("USER"));
        Assert.True(user == "$APP_UID" || int.Parse(user, System.Globalization.CultureInfo.InvariantCulture) > 0, "the runtime stage must not run as root");
        Assert.Contains(runtime.Arguments("COPY"), c => c.StartsWith("--from=build", StringComparison.Ordinal));
        Assert.Equal("8080", Assert.Single(runtime.Arguments("EXPOSE")));
        var healthCheck = Assert.Single(runtime.Arguments("HEALTHCHECK"));
        Assert.Contains("/dev/tcp/127.0.0.1/8080", healthCheck, StringComparison.Ordinal);
        Assert.Contains("GET /health/live ", healthCheck, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dockerfile_WhenItsBuildStageIsReplayedForEachService_PublishesAServiceItsEntryPointStarts()
    {
        var context = Directory.CreateTempSubdirectory("digiusher-docker-context-");
        try
        {
            var ignore = DockerIgnore.Load(Path.Combine(Root, ".dockerignore"));
            foreach (var service in ServiceNames)
            {
                var dockerfile = Load(service);
                var output = Path.Combine(context.FullName, "out", service);
                foreach (var instruction in dockerfile["build"].Instructions)
                {
                    if (instruction.Keyword == "COPY")
                    {
                        Copy(instruction.Arguments, context.FullName, ignore);
                    }
                    else if (instruction.Keyword == "RUN")
                    {
                        var words = DotnetCommand(instruction.Arguments).Split(' ', StringSplitOptions.RemoveEmptyEntries)
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
                Assert.False(File.Exists(Path.Combine(output, "appsettings.Development.json")), "development keys stay out of the image");

                if (TestDatabase.Schemas.ContainsKey(service))
                {
                    await RunEntryPointMigrateAsync(dockerfile, service, output);
                }
            }
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    // The ENTRYPOINT as the container runtime runs it: its exec-form words, then the container's
    // arguments ("migrate", as the Helm hook and compose pass them), in the published folder.
    private static async Task RunEntryPointMigrateAsync(Dockerfile dockerfile, string service, string published)
    {
        var entryPoint = JsonSerializer.Deserialize<string[]>(Assert.Single(dockerfile["runtime"].Arguments("ENTRYPOINT")))!;
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor(service, database, vhost);
        environment["DIGIUSHER_SERVICE"] = service;

        await CommandLine.RunAsync(entryPoint[0], [.. entryPoint[1..], "migrate"], published, environment, TimeSpan.FromMinutes(2));

        await using var connection = new Npgsql.NpgsqlConnection(database.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from information_schema.schemata where schema_name = @schema", connection);
        command.Parameters.AddWithValue("schema", TestDatabase.Schemas[service]);
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    // A RUN line's dotnet command without its BuildKit flags (--mount=type=cache,...).
    private static string DotnetCommand(string run) =>
        string.Join(' ', run.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)));

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
