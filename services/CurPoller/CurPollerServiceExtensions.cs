using DigiUsher.Aws;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Polling;

namespace DigiUsher.CurPoller;

public static class CurPollerServiceExtensions
{
    /// <summary>The poller's options, store, S3/CUR clients and scheduler.</summary>
    public static WebApplicationBuilder AddCurPollerServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CurPollerOptions>().BindConfiguration(CurPollerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // MassTransit's IRequestClient is scoped, so the credentials client cannot be the singleton
        // AddDigiUsherAws registers; scoped, it still shares the singleton memory cache.
        builder.Services.AddDigiUsherAws(credentialsFromDataSource: false);
        builder.Services.AddScoped<IDataSourceCredentials, DataSourceCredentialsClient>();
        builder.Services.AddCostAndUsageReportClient();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PollerStore>();
        builder.Services.AddSingleton<PollSignal>();
        builder.Services.AddScoped<ReportPoller>();
        builder.Services.AddHostedService<PollScheduler>();
        return builder;
    }
}
