using DigiUsher.Aws;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser;

public static class CurParserServiceCollectionExtensions
{
    /// <summary>Options, AWS access through DataSource's credentials, and the import pipeline.</summary>
    public static IServiceCollection AddCurParser(this IServiceCollection services)
    {
        services.AddDigiUsherAws();
        services.AddOptions<CurParserOptions>().BindConfiguration(CurParserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImportStore>();
        services.AddSingleton<ImportMetrics>();
        services.AddScoped<DeliveryImporter>();
        return services;
    }
}
