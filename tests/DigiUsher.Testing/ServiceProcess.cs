using System.Collections.Concurrent;
using System.Diagnostics;

namespace DigiUsher.Testing;

/// <summary>
/// A DigiUsher service run as a real process from its build output (what <c>scripts/dev up</c> runs),
/// on a free port, with its own database role and RabbitMQ virtual host. Its log lines are kept
/// for assertions (e.g. that no secret was logged). Kill it with <see cref="Kill"/> (SIGKILL).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private ServiceProcess(string service, Process process, Uri baseAddress)
    {
        Service = service;
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Service { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyCollection<string> LogLines => _log.ToArray();

    public static string DllPath(string service) => Path.Combine(
        TestEnvironment.RepositoryRoot, "services", service, "bin", TestEnvironment.Configuration, "net10.0", $"DigiUsher.{service}.dll");

    /// <summary>
    /// The environment a service runs with against a test database and virtual host. Tokens come from
    /// the shared <see cref="TestIssuer"/> unless the test runs DataSource (<see cref="UseDataSourceAsIssuer"/>).
    /// </summary>
    public static Dictionary<string, string> EnvironmentFor(string service, TestDatabase database, TestVirtualHost virtualHost, string? motoUrl = null) =>
        EnvironmentFor(service, database.ConnectionStringFor(service), TestEnvironment.RabbitHost, TestEnvironment.RabbitPort, virtualHost.Name, motoUrl);

    /// <summary>The environment a service runs with against any Postgres database and RabbitMQ virtual host.</summary>
    public static Dictionary<string, string> EnvironmentFor(string service, string postgresConnectionString, string rabbitHost, int rabbitPort, string virtualHost, string? motoUrl)
    {
        var environment = EnvironmentFor(postgresConnectionString, rabbitHost, rabbitPort, virtualHost, motoUrl);
        if (service == "DataSource")
        {
            environment["Auth__Issuer"] = "http://localhost";
            environment["Auth__ServiceIdentities__query__Secret"] = TestEnvironment.ServiceSecret("query");
            environment["Auth__ServiceIdentities__admin__Secret"] = TestEnvironment.ServiceSecret("admin");
            // Every test client signs in from one address (loopback, or none in-process): the sign-in limit
            // per address is raised here and attacked on its own in SignInRateLimitTests.
            environment["Auth__RateLimit__Burst"] = "10000";
            environment["Auth__RateLimit__PerMinute"] = "60000";
            // The shared moto_server assumes any role: it checks trust policies only once it enforces
            // auth, which ConfusedDeputyTests does on a moto of its own with the check on.
            environment["RoleAssumption__RequireExternalIdCondition"] = "false";
        }
        else
        {
            environment["Auth__Authority"] = TestIssuer.Shared.Url;
        }

        if (service == "Query")
        {
            environment["Auth__ClientId"] = "query";
            environment["Auth__ClientSecret"] = TestEnvironment.ServiceSecret("query");
        }

        return environment;
    }

    /// <summary>
    /// DataSource at <paramref name="dataSourceUrl"/> issues the tokens: its issuer name is its URL and
    /// the other services read its JWKS and ask it for their own tokens.
    /// </summary>
    public static void UseDataSourceAsIssuer(IDictionary<string, string> environment, string service, string dataSourceUrl)
    {
        var url = dataSourceUrl.TrimEnd('/');
        if (service == "DataSource")
        {
            environment["Auth__Issuer"] = url;
        }
        else
        {
            environment["Auth__Authority"] = url;
        }
    }

    /// <summary>The environment without token settings (see the overload with the service's name).</summary>
    public static Dictionary<string, string> EnvironmentFor(string postgresConnectionString, string rabbitHost, int rabbitPort, string virtualHost, string? motoUrl) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__Postgres"] = postgresConnectionString,
        ["RabbitMq__Host"] = rabbitHost,
        ["RabbitMq__Port"] = rabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq__VirtualHost"] = virtualHost,
        ["RabbitMq__Username"] = "guest",
        ["RabbitMq__Password"] = "guest",
        ["Aws__ServiceUrl"] = motoUrl ?? TestEnvironment.SharedMotoUrl,
        ["Credentials__TransportKey"] = TestEnvironment.TransportKey,
        ["Credentials__EncryptionKeys__0__Id"] = "test1",
        ["Credentials__EncryptionKeys__0__Key"] = TestEnvironment.EncryptionKey,
        ["Logging__Json"] = "true",
    };

    /// <summary>Runs <c>DigiUsher.{service}.dll migrate</c> and waits for it.</summary>
    public static async Task MigrateAsync(string service, IReadOnlyDictionary<string, string> environment)
    {
        var info = StartInfo(service, environment, ["migrate"]);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{service} migrate did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{service} migrate exited with {process.ExitCode}: {await output}{await error}");
        }
    }

    /// <summary>Starts the service and waits until <c>/health/ready</c> answers 200.</summary>
    public static async Task<ServiceProcess> StartAsync(string service, IReadOnlyDictionary<string, string> environment, int? port = null, TimeSpan? readyTimeout = null)
    {
        var effectivePort = port ?? FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{effectivePort}");
        var info = StartInfo(service, environment, ["--urls", baseAddress.ToString().TrimEnd('/')]);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{service} did not start.");
        var started = new ServiceProcess(service, process, baseAddress);
        try
        {
            await started.WaitReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Service} exited with code {_process.ExitCode}:\n{string.Join('\n', _log.TakeLast(40))}");
            }

            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Service} was not ready within {timeout}:\n{string.Join('\n', _log.TakeLast(40))}");
    }

    /// <summary>SIGKILL: no graceful shutdown, as a crashed pod.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first: a graceful stop, as Kubernetes does.
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static ProcessStartInfo StartInfo(string service, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var dll = DllPath(service);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the solution first: {dll} is missing.", dll);
        }

        var info = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
