using DigiUsher.Aws.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DigiUsher.Aws.CostAndUsageReport;

public static class CostAndUsageReportServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICostAndUsageReportClient"/> (endpoint from <c>Aws:CurServiceUrl</c>, else
    /// <c>Aws:ServiceUrl</c>, else the real us-east-1 endpoint) and the shared signed HTTP transport.
    /// </summary>
    public static IServiceCollection AddCostAndUsageReportClient(this IServiceCollection services)
    {
        services.AddOptions<AwsOptions>().BindConfiguration(AwsOptions.Section);
        services.AddOptions<CostAndUsageReportOptions>().BindConfiguration(AwsOptions.Section);
        services.TryAddSingleton<AwsSignedHttpClientFactory>();
        services.TryAddSingleton<ICostAndUsageReportClient, CostAndUsageReportClient>();
        return services;
    }
}
