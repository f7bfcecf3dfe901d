using Dapper;
using DigiUsher.CurParser.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurParser.Importing;

/// <summary>This replica as the leases it holds name it: one per process, unique across restarts.</summary>
/// <param name="Id">The holder's name, <c>host:pid:random</c> (readable in the leases, never reused by a restarted process).</param>
public sealed record LeaseHolder(string Id)
{
    public static LeaseHolder ForThisProcess() => new($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");

    /// <summary>Renews the holder's liveness mark (and creates it the first time).</summary>
    public static Task MarkAliveAsync(NpgsqlConnection connection, string holder, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {CurParserDb.Schema}.lease_holders (holder, renewed_at) values (@holder, now())
            on conflict (holder) do update set renewed_at = now()
            """, new { holder }, cancellationToken: cancellationToken));
}

/// <summary>
/// Renews this replica's liveness mark every <see cref="CurParserOptions.HolderRenewInterval"/>, apart
/// from the imports: however slow an import, its holder stays alive. A replica killed with -9 stops
/// renewing, and its deliveries are taken over once the mark is <see cref="CurParserOptions.HolderTimeout"/> old.
/// </summary>
public sealed partial class LeaseHolderHeartbeat(
    NpgsqlDataSource dataSource,
    LeaseHolder holder,
    IOptions<CurParserOptions> options,
    ILogger<LeaseHolderHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HolderRenewInterval);
        do
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await LeaseHolder.MarkAliveAsync(connection, holder.Id, stoppingToken);
                // Marks of replicas long gone: nothing reads them once their leases were taken over.
                await connection.ExecuteAsync(new CommandDefinition(
                    $"delete from {CurParserDb.Schema}.lease_holders where renewed_at < now() - interval '1 day'", cancellationToken: stoppingToken));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The next tick tries again; a database down for longer than the timeout loses no data
                // (a takeover makes this replica's lease renewal fail, which ends its import).
                LogRenewalFailed(logger, holder.Id, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // A clean stop releases its leases; the mark goes too, so nothing waits for it.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync($"delete from {CurParserDb.Schema}.lease_holders where holder = @Id", new { holder.Id });
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            LogRenewalFailed(logger, holder.Id, ex.Message);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease holder {Holder} could not renew its liveness mark: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, string holder, string reason);
}
