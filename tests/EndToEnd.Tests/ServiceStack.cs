using DigiUsher.Client;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Tokens;
using DigiUsher.Testing;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>The five services as processes on one database, virtual host and moto, and signing up tenants on them.</summary>
internal sealed class ServiceStack : IAsyncDisposable
{
    private ServiceStack(List<ServiceProcess> services) => Services = services;

    public List<ServiceProcess> Services { get; }

    public DigiUsherEndpoints Endpoints => new(Services[0].BaseAddress, Services[^1].BaseAddress, Services[3].BaseAddress);

    /// <summary>Migrates and starts DataSource, CurParser, CurPoller, ResourceDiscovery and Query, in that order.</summary>
    public static async Task<ServiceStack> StartAsync(TestDatabase database, TestVirtualHost vhost, string motoUrl)
    {
        var stack = new ServiceStack([]);
        try
        {
            ServiceProcess? curParser = null;
            var dataSourcePort = FreePort.Next();
            foreach (var name in new[] { "DataSource", "CurParser", "CurPoller", "ResourceDiscovery", "Query" })
            {
                var environment = ServiceProcess.EnvironmentFor(name, database, vhost, motoUrl);
                // DataSource issues every token; the others validate them through its JWKS.
                ServiceProcess.UseDataSourceAsIssuer(environment, name, $"http://127.0.0.1:{dataSourcePort}");
                if (name == "Query")
                {
                    environment["Services__CurParser"] = curParser!.BaseAddress.ToString();
                }

                await ServiceProcess.MigrateAsync(name, environment);
                var process = await ServiceProcess.StartAsync(name, environment, name == "DataSource" ? dataSourcePort : null, TimeSpan.FromSeconds(120));
                stack.Services.Add(process);
                curParser = name == "CurParser" ? process : curParser;
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new organization's admin, signed in through the typed client (its token renewed as needed).</summary>
    public async Task<DigiUsherClient> RegisterAsync(string suffix)
    {
        var email = $"e2e-{suffix}-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        var client = new DigiUsherClient(Endpoints, (dataSource, _) => PasswordTokenSource.ForUser(dataSource, email, password));
        await client.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = $"E2E {suffix}" });
        return client;
    }

    /// <summary>The services' warnings and errors: why a step never happened (failed import, denied call ...).</summary>
    public string WarningsAndErrors() => string.Join('\n', Services.Select(s =>
        $"--- {s.Service} ---\n" + string.Join('\n', s.LogLines.Where(l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal)
            || l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)).TakeLast(15))));

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Services)
        {
            await service.DisposeAsync();
        }
    }
}
