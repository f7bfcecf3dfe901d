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
        builder.Services.AddDigiUsherAws();
        builder.Services.AddCostAndUsageReportClient();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PollerStore>();
        builder.Services.AddSingleton<PollSignal>();
        builder.Services.AddSingleton<PollMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PollMetrics>());
        builder.Services.AddScoped<ReportPoller>();
        builder.Services.AddHostedService<PollScheduler>();
        return builder;
    }
}
