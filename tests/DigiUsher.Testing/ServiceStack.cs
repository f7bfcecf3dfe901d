namespace DigiUsher.Testing;

/// <summary>
/// Services as processes on free ports over one new database and virtual host (and a moto, when
/// given), each migrated and told where the services started before it answer.
/// </summary>
public sealed class ServiceStack : IAsyncDisposable
{
    /// <summary>The five back-end services, in an order where each finds the ones it calls already up.</summary>
    public static readonly IReadOnlyList<string> Backend = ["DataSource", "CurParser", "CurPoller", "ResourceDiscovery", "Query"];

    private readonly List<ServiceProcess> _services = [];
    private TestDatabase? _database;
    private TestVirtualHost? _vhost;

    public IReadOnlyList<ServiceProcess> Services => _services;

    /// <summary>The stack's database (every service's schema), for tests that read it as an administrator.</summary>
    public TestDatabase Database => _database ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>The stack's RabbitMQ virtual host, for a peer on its bus.</summary>
    public TestVirtualHost VirtualHost => _vhost ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>Each back-end service's own RabbitMQ user, with the permissions the deployments give it.</summary>
    public IReadOnlyDictionary<string, (string Username, string Password)> BusUsers { get; private set; } = new Dictionary<string, (string, string)>();

    /// <summary>Stands for the console's base address (no trailing slash) in a setting's value, e.g. the links DataSource mails.</summary>
    public const string ConsoleAddress = "{console}";

    public ServiceProcess this[string service] => _services.Single(s => s.Service == service);

    /// <param name="motoUrl">The moto every AWS client talks to, if any.</param>
    /// <param name="services">The services to start (default <see cref="Backend"/>).</param>
    /// <param name="settings">Extra settings every service is started with (each reads its own section); <see cref="ConsoleAddress"/> in a value is the console's address.</param>
    public static async Task<ServiceStack> StartAsync(string? motoUrl, IEnumerable<string>? services = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var stack = new ServiceStack();
        try
        {
            stack._database = await TestDatabase.CreateAsync();
            stack._vhost = await TestVirtualHost.CreateAsync();
            var names = (services ?? Backend).ToList();
            // As deployed: a RabbitMQ user per service, and DataSource answers GetAwsCredentials only to
            // the users of the services that poll, parse and discover.
            stack.BusUsers = await stack._vhost.CreateServiceUsersAsync([.. Backend]);

            // DataSource, when started, issues every token; the others validate them through its JWKS.
            var dataSourcePort = names.Contains("DataSource") ? FreePort.Next() : (int?)null;
            // The console's address is known before DataSource starts, for the links in its mails.
            var consolePort = names.Contains("Console") ? FreePort.Next() : (int?)null;
            foreach (var name in names)
            {
                var environment = ServiceProcess.EnvironmentFor(name, stack._database, stack._vhost, motoUrl);
                if (stack.BusUsers.TryGetValue(name, out var user))
                {
                    environment["RabbitMq__Username"] = user.Username;
                    environment["RabbitMq__Password"] = user.Password;
                }

                if (name == "DataSource")
                {
                    string[] requesters = ["CurPoller", "CurParser", "ResourceDiscovery"];
                    for (var i = 0; i < requesters.Length; i++)
                    {
                        environment[$"CredentialRequesters__Users__{i}"] = stack.BusUsers[requesters[i]].Username;
                    }
                }

                if (dataSourcePort is { } port)
                {
                    ServiceProcess.UseDataSourceAsIssuer(environment, name, $"http://127.0.0.1:{port}");
                }

                foreach (var started in stack._services)
                {
                    environment[$"Services__{started.Service}"] = started.BaseAddress.ToString();
                }

                foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                {
                    environment[key] = consolePort is { } console ? value.Replace(ConsoleAddress, $"http://127.0.0.1:{console}", StringComparison.Ordinal) : value;
                }

                await ServiceProcess.MigrateAsync(name, environment);
                stack._services.Add(await ServiceProcess.StartAsync(name, environment, name switch { "DataSource" => dataSourcePort, "Console" => consolePort, _ => null }, TimeSpan.FromSeconds(120)));
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>The services' last warnings and errors, to explain a step that never happened.</summary>
    public string Logs(int perService = 15) => string.Join('\n', _services.Select(s =>
        $"--- {s.Service} ---\n" + string.Join('\n', s.LogLines.Where(l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal)
            || l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)).TakeLast(perService))));

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        if (_vhost is not null)
        {
            await _vhost.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
