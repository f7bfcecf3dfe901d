using DigiUsher.Query.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.Query.Imports;

/// <summary>
/// Deletes hourly costs older than <see cref="CostsOptions.HourlyDays"/> once an hour: a load pulls only
/// the recent hours, but the hours of a month it loaded stay until they age out here.
/// </summary>
public sealed partial class HourlyCostsPruner(NpgsqlDataSource dataSource, IOptions<CostsOptions> options, TimeProvider clock, ILogger<HourlyCostsPruner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var horizon = CostPeriodStore.HourlyHorizon(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), options.Value);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"delete from {QueryDb.Schema}.hourly_costs where hour < $1", connection) { CommandTimeout = 600 };
        command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(horizon.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning old hourly costs failed; the next hour tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
