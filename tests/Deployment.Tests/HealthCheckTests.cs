using System.Text.Json;
using DigiUsher.Testing;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// The images' HEALTHCHECK has no curl to call (the aspnet image ships none): it speaks HTTP through
/// bash's /dev/tcp. Run here against a real service process, it must tell a live service from none.
/// </summary>
public class HealthCheckTests
{
    private const string Service = "CurPoller";

    [Fact]
    public async Task DockerHealthCheck_WhenTheServiceIsLive_SucceedsAndWhenNothingListens_Fails()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor(Service, database, vhost);
        await ServiceProcess.MigrateAsync(Service, environment);
        await using var process = await ServiceProcess.StartAsync(Service, environment, readyTimeout: TimeSpan.FromSeconds(90));

        var live = await RunHealthCheckAsync(process.BaseAddress.Port);
        var nobody = await RunHealthCheckAsync(FreePort.Next());

        Assert.True(live.ExitCode == 0, $"HEALTHCHECK failed against a live service: {live.Error}");
        Assert.NotEqual(0, nobody.ExitCode);
    }

    private static Task<(int ExitCode, string Output, string Error)> RunHealthCheckAsync(int port)
    {
        var dockerfile = Dockerfile.Load(Path.Combine(TestEnvironment.RepositoryRoot, "Dockerfile"), new Dictionary<string, string> { ["SERVICE"] = Service });
        var healthCheck = Assert.Single(dockerfile["runtime"].Arguments("HEALTHCHECK"));
        var command = JsonSerializer.Deserialize<string[]>(healthCheck[(healthCheck.IndexOf("CMD ", StringComparison.Ordinal) + 4)..])!;
        var arguments = command.Skip(1).Select(a => a.Replace("/127.0.0.1/8080", $"/127.0.0.1/{port}", StringComparison.Ordinal));
        return CommandLine.TryRunAsync(command[0], arguments, timeout: TimeSpan.FromSeconds(30));
    }
}
