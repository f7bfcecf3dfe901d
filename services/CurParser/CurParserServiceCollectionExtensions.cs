using DigiUsher.Aws;
using DigiUsher.CurParser.Data;
using DigiUsher.CurParser.Importing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DigiUsher.CurParser;

public static class CurParserServiceCollectionExtensions
{
    /// <summary>Options, AWS access through DataSource's credentials, and the import pipeline.</summary>
    public static IServiceCollection AddCurParser(this IServiceCollection services)
    {
        services.AddDigiUsherAws();
        services.AddOptions<CurParserOptions>().BindConfiguration(CurParserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CurParserOptions>()
            .Validate(o => o.HolderTimeout >= 2 * o.HolderRenewInterval && o.HolderRenewInterval > TimeSpan.Zero,
                "CurParser:HolderTimeout must be at least twice CurParser:HolderRenewInterval (a live replica must not look dead after one late renewal).")
            .Validate(o => o.ProgressInterval > TimeSpan.Zero, "CurParser:ProgressInterval must be positive.");
        services.AddSingleton(LeaseHolder.ForThisProcess());
        services.AddHostedService<LeaseHolderHeartbeat>();
        services.AddSingleton<ImportStore>();
        services.AddSingleton<RemovedDataSourceStore>();
        services.AddSingleton<ImportMetrics>();
        services.AddSingleton<ImportProgressReporter>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<DeliveryImporter>();
        return services;
    }
}
