using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;

namespace DigiUsher.Testing;

/// <summary>
/// A Postgres 15 cluster of one test's own (initdb in a temporary folder, a free port), which the test
/// may stop and start again (a restart, a failover) without touching the shared server at :5432. It
/// has one database with the same per-service roles as <see cref="TestDatabase"/>. Removed on dispose.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private const string Database = "digiusher";
    private const string SuperPassword = "postgres";
    private static readonly string Bin = Environment.GetEnvironmentVariable("DIGIUSHER_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

    private readonly string _folder;

    private DedicatedPostgres(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public bool IsRunning { get; private set; }

    private string DataDirectory => Path.Combine(_folder, "data");

    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = SuperPassword,
        Database = Database,
        Pooling = false,
    }.ConnectionString;

    /// <summary>initdb, start, and create the database and the services' roles.</summary>
    public static async Task<DedicatedPostgres> StartAsync()
    {
        var folder = Path.Combine(BaseFolder(), "digiusher-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var postgres = new DedicatedPostgres(folder, FreePort.Next());
        try
        {
            await postgres.InitAsync();
            await postgres.StartAgainAsync();
            await postgres.CreateDatabaseAsync();
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }

        return postgres;
    }

    /// <summary>The connection string of a service: its own role, this cluster's database.</summary>
    public string ConnectionStringFor(string service)
    {
        var role = TestDatabase.Schemas[service] + "_svc";
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = Database,
            Username = role,
            Password = role,
            Pooling = true,
            MaxPoolSize = 20,
        }.ConnectionString;
    }

    /// <summary>A fast shutdown (<c>pg_ctl stop -m fast</c>): sessions are terminated, as in a restart or failover.</summary>
    public async Task StopAsync()
    {
        await PgCtlAsync("-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");
        IsRunning = false;
    }

    /// <summary>Starts the (stopped) cluster again on the same port and data.</summary>
    public async Task StartAgainAsync()
    {
        await PgCtlAsync("-D", DataDirectory, "-l", Path.Combine(_folder, "postgres.log"), "-w", "-t", "60", "start");
        IsRunning = true;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await PgCtlAsync("-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop");
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            IsRunning = false;
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

    private async Task InitAsync()
    {
        Directory.CreateDirectory(_folder);
        var passwordFile = Path.Combine(_folder, "pw");
        await File.WriteAllTextAsync(passwordFile, SuperPassword);
        if (IsRoot)
        {
            // Postgres refuses to run as root: the cluster belongs to the postgres user (as in scripts/dev).
            await RunAsync("chown", "-R", "postgres:postgres", _folder);
        }

        await RunAsync(Path.Combine(Bin, "initdb"), "-D", DataDirectory, "-U", "postgres", $"--pwfile={passwordFile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8");
        File.Delete(passwordFile);
        var conf = string.Create(CultureInfo.InvariantCulture, $"""

            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = '{DataDirectory}'
            max_connections = 200
            fsync = off
            synchronous_commit = off

            """);
        // Root may append to the postgres user's file; its owner stays postgres.
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), conf);
    }

    private async Task CreateDatabaseAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = "postgres" };
        await using (var admin = new NpgsqlConnection(builder.ConnectionString))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"create database {Database}");
            foreach (var schema in TestDatabase.Schemas.Values)
            {
                var role = schema + "_svc";
                await admin.ExecuteAsync($"create role {role} login password '{role}'");
                await admin.ExecuteAsync($"grant connect, create on database {Database} to {role}");
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// The cluster's folder must be reachable by the postgres user; a private TMPDIR is not, so fall
    /// back to /var/tmp then (as scripts/dev does for the shared cluster).
    /// </summary>
    private static string BaseFolder()
    {
        var temp = Path.GetTempPath();
        if (!IsRoot)
        {
            return temp;
        }

        for (var dir = new DirectoryInfo(temp); dir is not null; dir = dir.Parent)
        {
            if (!dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return "/var/tmp";
            }
        }

        return temp;
    }

    private static Task PgCtlAsync(params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, "pg_ctl"), .. args]) : RunAsync(Path.Combine(Bin, "pg_ctl"), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        if (IsRoot && Path.GetFileName(file) == "initdb")
        {
            (file, args) = ("runuser", ["-u", "postgres", "--", file, .. args]);
        }

        var info = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
