using Dapper;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Npgsql;

namespace DigiUsher.Console.Tests;

/// <summary>
/// The whole system for the browser: a dedicated moto that enforces IAM (an AWS account, users with
/// chosen policies, last month's CUR), the five services and the console as processes on free ports,
/// one database and virtual host.
/// </summary>
public sealed class ConsoleStack : IAsyncDisposable
{
    private readonly List<ServiceProcess> _services = [];
    private MotoServer? _moto;
    private TestDatabase? _database;
    private TestVirtualHost? _vhost;

    public AwsAccount Account { get; private set; } = null!;

    public CurMonth Month { get; private set; } = null!;

    /// <summary>A user whose policy lacks s3:GetObject: the connection is refused naming it.</summary>
    public (string AccessKeyId, string SecretAccessKey) NoGetObject { get; private set; }

    public Uri Console => _services.Single(s => s.Service == "Console").BaseAddress;

    /// <summary>After the refusals were shown: the poller's listings of the report layout fail moto's signature check (see README, moto quirks).</summary>
    public Task StopEnforcingAsync() => _moto!.StopEnforcingAsync();

    public TestDatabase Database => _database!;

    public IReadOnlyList<ServiceProcess> Services => _services;

    public static async Task<ConsoleStack> StartAsync()
    {
        var stack = new ConsoleStack();
        try
        {
            await stack.StartInternalAsync();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartInternalAsync()
    {
        // 3 free requests create the admin that seeds everything; from then on moto checks every signature and policy.
        _moto = await MotoServer.StartAsync(freeRequests: 3);
        Account = new AwsAccount(_moto.Url);
        await Account.CreateAdminAsync();
        await Account.SeedAsync();
        NoGetObject = await Account.CreateUserAsync("digiusher-no-get", "s3:ListBucket", "s3:GetBucketLocation", "sts:GetCallerIdentity");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Month = new CurMonth(Account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
        await Month.UploadAsync(_moto.Url, Account.CurBucket, Account.Setup);

        _database = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        var urls = new Dictionary<string, string>();
        foreach (var name in new[] { "DataSource", "CurParser", "CurPoller", "ResourceDiscovery", "Query", "Console" })
        {
            var environment = ServiceProcess.EnvironmentFor(name, _database, _vhost, _moto.Url);
            if (name == "DataSource")
            {
                // Two-minute access tokens: the console refreshes each a minute before it expires, so
                // a journey of a few minutes runs on several refreshed tokens.
                environment["Auth__AccessTokenLifetime"] = "00:02:00";
            }

            foreach (var (service, url) in urls)
            {
                environment[$"Services__{service}"] = url;
            }

            await ServiceProcess.MigrateAsync(name, environment);
            var process = await ServiceProcess.StartAsync(name, environment, readyTimeout: TimeSpan.FromSeconds(120));
            _services.Add(process);
            urls[name] = process.BaseAddress.ToString();
        }
    }

    /// <summary>Runs SQL as the database's owner (to break the Query service on purpose, and mend it).</summary>
    public async Task AdminSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database!.AdminConnectionString);
        await connection.ExecuteAsync(sql);
    }

    /// <summary>The refresh tokens DataSource issued to <paramref name="email"/>: how many, how many were used (refreshed), how many are still valid.</summary>
    public async Task<(long Issued, long Used, long Live)> RefreshTokensAsync(string email)
    {
        await using var connection = new NpgsqlConnection(_database!.AdminConnectionString);
        return await connection.QuerySingleAsync<(long, long, long)>(
            """
            select count(*), count(*) filter (where t.used_at is not null), count(*) filter (where t.revoked_at is null and t.used_at is null and t.expires_at > now())
            from datasource.refresh_tokens t join datasource.users u on u.id = t.user_id
            where u.email_normalized = lower(@email)
            """,
            new { email });
    }

    /// <summary>The services' warnings and errors, to explain a step that never happened.</summary>
    public string Logs() => string.Join('\n', _services.Select(s =>
        $"--- {s.Service} ---\n" + string.Join('\n', s.LogLines.Where(l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal)
            || l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)).TakeLast(10))));

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

        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }
    }
}
