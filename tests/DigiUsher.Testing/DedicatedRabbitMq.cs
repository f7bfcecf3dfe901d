using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DigiUsher.Testing;

/// <summary>
/// A RabbitMQ node of one test's own (its own node name, ports, Mnesia folder and Erlang cookie),
/// which the test may stop and start again without touching the shared broker at :5672. Durable
/// (quorum) queues survive a restart, as on a real broker. Management API on a free port, for queue
/// depths. Stopped and removed on dispose.
/// </summary>
public sealed class DedicatedRabbitMq : IAsyncDisposable
{
    private const string RabbitHome = "/usr/lib/rabbitmq";

    private readonly string _folder;
    private readonly int _distributionPort;
    private readonly HttpClient _management;
    private Process? _launcher;

    private DedicatedRabbitMq(string folder, int port, int distributionPort, int managementPort)
    {
        _folder = folder;
        Port = port;
        _distributionPort = distributionPort;
        ManagementPort = managementPort;
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public int ManagementPort { get; }

    /// <summary>The default virtual host: the node is the test's alone.</summary>
    public string VirtualHost => "/";

    public string NodeName => $"digiusher-test-{Port}@localhost";

    public static async Task<DedicatedRabbitMq> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "digiusher-rabbit-" + Guid.NewGuid().ToString("N")[..12]);
        var rabbit = new DedicatedRabbitMq(folder, FreePort.Next(), FreePort.Next(), FreePort.Next());
        Directory.CreateDirectory(Path.Combine(folder, "mnesia"));
        Directory.CreateDirectory(Path.Combine(folder, "log"));
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        await File.WriteAllTextAsync(Path.Combine(folder, "enabled_plugins"), "[rabbitmq_management].\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            loopback_users = none
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {rabbit.ManagementPort}
            disk_free_limit.absolute = 50MB

            """));
        try
        {
            await rabbit.StartAgainAsync();
        }
        catch
        {
            await rabbit.DisposeAsync();
            throw;
        }

        return rabbit;
    }

    /// <summary>Starts the (stopped) node again with the same ports and data; returns when AMQP and the management API answer.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(Path.Combine(RabbitHome, "bin", "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var (key, value) in NodeEnvironment())
        {
            info.Environment[key] = value;
        }

        _launcher = Process.Start(info) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        _launcher.OutputDataReceived += (_, _) => { };
        _launcher.ErrorDataReceived += (_, _) => { };
        _launcher.BeginOutputReadLine();
        _launcher.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_launcher.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_launcher.ExitCode}; see {Path.Combine(_folder, "log")}.");
            }

            if (await AcceptsAsync(Port))
            {
                try
                {
                    using var response = await _management.GetAsync("api/overview");
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
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"RabbitMQ node {NodeName} did not start within 120 s; see {Path.Combine(_folder, "log")}.");
    }

    /// <summary>A graceful stop of the node (SIGTERM to the Erlang VM): connections drop, durable queues stay on disk.</summary>
    public async Task StopAsync()
    {
        if (await ReadPidAsync() is { } pid)
        {
            await SignalAsync("-TERM", pid);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            if (Directory.Exists($"/proc/{pid}"))
            {
                await SignalAsync("-KILL", pid);
            }

            File.Delete(PidFile);
        }

        if (_launcher is { } launcher)
        {
            if (!launcher.HasExited)
            {
                launcher.Kill(entireProcessTree: true);
            }

            await launcher.WaitForExitAsync();
            launcher.Dispose();
            _launcher = null;
        }

        while (await AcceptsAsync(Port))
        {
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Freezes the node (SIGSTOP to the Erlang VM): its connections stay open and nothing is answered,
    /// as with a hung broker or a network partition shorter than the heartbeat.
    /// </summary>
    public Task FreezeAsync() => SignalNodeAsync("-STOP");

    /// <summary>Lets a frozen node run again (SIGCONT).</summary>
    public Task ThawAsync() => SignalNodeAsync("-CONT");

    /// <summary>Messages in a queue, ready or unacknowledged (0 when the queue does not exist).</summary>
    public async Task<int> MessagesInQueueAsync(string queue)
    {
        using var response = await _management.GetAsync($"api/queues/%2F/{Uri.EscapeDataString(queue)}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number ? messages.GetInt32() : 0;
    }

    public async Task<IReadOnlyList<string>> QueuesAsync()
    {
        using var response = await _management.GetAsync("api/queues/%2F");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.EnumerateArray().Select(q => q.GetProperty("name").GetString()!)];
    }

    /// <summary>The last lines of the node's own log files (for a failing test's output).</summary>
    public IEnumerable<string> LogTail(int lines)
    {
        var folder = Path.Combine(_folder, "log");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "*.log")
            .SelectMany(file => File.ReadLines(file).TakeLast(lines).Select(line => $"{Path.GetFileName(file)}: {line}"))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
        }
        finally
        {
            _management.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private Dictionary<string, string> NodeEnvironment() => new()
    {
        ["RABBITMQ_HOME"] = RabbitHome,
        // The Erlang cookie lives in HOME: a folder of the node's own, so it never meets another node's.
        ["HOME"] = Path.Combine(_folder, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = Host,
        ["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_folder, "rabbitmq"),
        ["RABBITMQ_PID_FILE"] = PidFile,
    };

    private string PidFile => Path.Combine(_folder, "rabbit.pid");

    /// <summary>The Erlang VM's process id, from the pid file rabbitmq-server writes (null when the node is not running).</summary>
    private async Task<int?> ReadPidAsync() =>
        File.Exists(PidFile) && int.TryParse((await File.ReadAllTextAsync(PidFile)).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private async Task SignalNodeAsync(string signal) =>
        await SignalAsync(signal, await ReadPidAsync() ?? throw new InvalidOperationException($"RabbitMQ node {NodeName} has no pid file; is it running?"));

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }
}
