using System.Diagnostics;

namespace DigiUsher.Testing;

/// <summary>The admin CLI (<c>digiusher-admin</c>) run as a process from its build output, as an operator runs it.</summary>
public static class AdminTool
{
    public static string DllPath => Path.Combine(
        TestEnvironment.RepositoryRoot, "tools", "DigiUsher.Admin", "bin", TestEnvironment.Configuration, "net10.0", "DigiUsher.Admin.dll");

    /// <summary>Runs it with the local infrastructure's settings for <paramref name="virtualHost"/> and the given service addresses.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string virtualHost, string services, string? postgres, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet", [DllPath, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DIGIUSHER_ADMIN_POSTGRES"] = postgres ?? TestEnvironment.PostgresAdmin;
        info.Environment["DIGIUSHER_ADMIN_RABBITMQ"] = $"http://guest:guest@{TestEnvironment.RabbitManagement.Host}:{TestEnvironment.RabbitManagement.Port}/";
        info.Environment["DIGIUSHER_ADMIN_AMQP"] = $"amqp://guest:guest@{TestEnvironment.RabbitHost}:{TestEnvironment.RabbitPort}/";
        info.Environment["DIGIUSHER_ADMIN_VHOST"] = virtualHost;
        info.Environment["DIGIUSHER_ADMIN_SERVICES"] = services;
        info.Environment["DIGIUSHER_ADMIN_CLIENT_SECRET"] = TestEnvironment.ServiceSecret("admin");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("digiusher-admin did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
