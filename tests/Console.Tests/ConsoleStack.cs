using Dapper;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Npgsql;

namespace DigiUsher.Console.Tests;

/// <summary>
/// The whole system for the browser: a dedicated moto that enforces IAM (an AWS account, users with
/// chosen policies, last month's CUR), and the five services and the console as processes on free
/// ports over one database and virtual host (<see cref="ServiceStack"/>, DataSource issuing the tokens).
/// </summary>
public sealed class ConsoleStack : IAsyncDisposable
{
    private MotoServer? _moto;
    private ServiceStack? _services;

    public AwsAccount Account { get; private set; } = null!;

    public CurMonth Month { get; private set; } = null!;

    /// <summary>A user whose policy lacks s3:GetObject: the connection is refused naming it.</summary>
    public (string AccessKeyId, string SecretAccessKey) NoGetObject { get; private set; }

    public Uri Console => _services!["Console"].BaseAddress;

    /// <summary>moto's address, to set up an AWS Organization with a member account (after <see cref="StopEnforcingAsync"/>).</summary>
    public string MotoUrl => _moto!.Url;

    /// <summary>After the refusals were shown: the poller's listings of the report layout fail moto's signature check (see README, moto quirks).</summary>
    public Task StopEnforcingAsync() => _moto!.StopEnforcingAsync();

    public TestDatabase Database => _services!.Database;

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

        // DataSource issues the tokens the console gets and the other APIs check (ServiceStack makes it the
        // issuer). Two-minute access tokens: the console refreshes each a minute before it expires, so a
        // journey of a few minutes runs on several refreshed tokens, each accepted by every API.
        _services = await ServiceStack.StartAsync(
            _moto.Url,
            [.. ServiceStack.Backend, "Console"],
            new Dictionary<string, string>
            {
                ["Auth__AccessTokenLifetime"] = "00:02:00",
                // Everything seeded is in us-east-1; moto's own AMI snapshots in every other region (tens of
                // thousands of resources) would only slow discovery and the resource pages down.
                ["Discovery__Regions__0"] = "us-east-1",
            });
    }

    /// <summary>Runs SQL as the database's owner (to break the Query service on purpose, and mend it).</summary>
    public async Task AdminSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        await connection.ExecuteAsync(sql);
    }

    /// <summary>The refresh tokens DataSource issued to <paramref name="email"/>: how many, how many were used (refreshed), how many are still valid.</summary>
    public async Task<(long Issued, long Used, long Live)> RefreshTokensAsync(string email)
    {
        await using var connection = new NpgsqlConnection(Database.AdminConnectionString);
        return await connection.QuerySingleAsync<(long, long, long)>(
            """
            select count(*), count(*) filter (where t.used_at is not null), count(*) filter (where t.revoked_at is null and t.used_at is null and t.expires_at > now())
            from datasource.refresh_tokens t join datasource.users u on u.id = t.user_id
            where u.email_normalized = lower(@email)
            """,
            new { email });
    }

    /// <summary>The services' warnings and errors, to explain a step that never happened.</summary>
    public string Logs() => _services?.Logs(10) ?? "";

    /// <summary>Writes every service's log next to the test's screenshots (<c>NAME.log</c>), to read what happened behind a page.</summary>
    public async Task SaveLogsAsync(string folder)
    {
        foreach (var service in _services?.Services ?? [])
        {
            await File.WriteAllLinesAsync(Path.Combine(folder, $"{service.Service}.log"), service.LogLines);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }
    }
}
