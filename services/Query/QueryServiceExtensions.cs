using DigiUsher.Query.Apis;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Data;
using DigiUsher.Query.Findings;
using DigiUsher.Query.Imports;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query;

public static class QueryServiceExtensions
{
    /// <summary>The Query service's options, stores, readers and the CurParser client.</summary>
    public static WebApplicationBuilder AddQueryServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServicesOptions>().BindConfiguration(ServicesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddTenantRateLimits();
        builder.Services.AddOptions<FindingsOptions>().BindConfiguration(FindingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CostsOptions>().BindConfiguration(CostsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApiDataSource>();
        builder.Services.AddExceptionHandler<StatementTimeoutHandler>();
        builder.Services.AddHostedService<HourlyCostsPruner>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CursorCodec>();
        builder.Services.AddSingleton<DataSourceStore>();
        builder.Services.AddSingleton<DataSourceOwnership>();
        builder.Services.AddSingleton<AccountNameStore>();
        builder.Services.AddSingleton<ImportStore>();
        builder.Services.AddSingleton<CostPeriodStore>();
        builder.Services.AddSingleton<CostMetrics>();
        builder.Services.AddSingleton<ResourceStore>();
        builder.Services.AddSingleton<CostReader>();
        builder.Services.AddSingleton<CostValuesReader>();
        builder.Services.AddSingleton<CostForecasts>();
        builder.Services.AddSingleton<ResourceReader>();
        builder.Services.AddSingleton<FindingsReader>();
        builder.Services.AddHttpClient<CurParserClient>((sp, http) =>
        {
            http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<ServicesOptions>>().Value.CurParser.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromMinutes(30);
        }).AddServiceToken(Scopes.ImportRollupsRead);
        return builder;
    }
}
