using System.Diagnostics;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.Testing;
using Microsoft.Extensions.Configuration;

namespace DigiUsher.Foundation.Tests;

public class ProductionSecretsTests
{
    [Fact]
    public void Problems_WhenPublishedKeysSecretsOrGuestAreConfigured_NamesEachSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Username"] = "guest",
            ["RabbitMq:Password"] = "guest",
            ["Credentials:TransportKey"] = "ZGV2LW9ubHktdHJhbnNwb3J0LWtleS0wMTIzNDU2Nzg=",
            ["Credentials:EncryptionKeys:0:Key"] = TestEnvironment.EncryptionKey,
            ["Auth:ServiceIdentities:query:Secret"] = "dev-only-query-service-secret-0123456789",
            ["Auth:ClientSecret"] = "a-real-secret-of-the-operators",
            ["Credentials:EncryptionKeys:1:Key"] = Convert.ToBase64String("operators-own-key-0123456789abcd"u8.ToArray()),
            ["RoleAssumption:SecretAccessKey"] = "dev-only-role-assumption-secret",
            ["Email:Smtp:Password"] = "dev-only-smtp-password",
            ["Email:Smtp:Host"] = "dev-only-looks-published-but-is-no-secret",
        }).Build();

        var problems = ProductionSecretsGuard.Problems(configuration);

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("RoleAssumption:SecretAccessKey", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Email:Smtp:Password", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("RabbitMq:Username/Password", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Credentials:TransportKey", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Credentials:EncryptionKeys:0:Key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Auth:ServiceIdentities:query:Secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WhenProductionWithTheTestKeysAndGuest_RefusesNamingThem()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var virtualHost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, virtualHost);
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_HTTP_PORTS"] = "0";
        var info = new ProcessStartInfo("dotnet", [ServiceProcess.DllPath("DataSource")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = await output + await error;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Production refuses to start", text, StringComparison.Ordinal);
        Assert.Contains("RabbitMq:Username/Password", text, StringComparison.Ordinal);
        Assert.Contains("Credentials:TransportKey", text, StringComparison.Ordinal);
    }
}
