using DigiUsher.Aws;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser;

public static class CurParserServiceCollectionExtensions
{
    /// <summary>Options, AWS access through DataSource's credentials, and the import pipeline.</summary>
    public static IServiceCollection AddCurParser(this IServiceCollection services)
    {
        // MassTransit's IRequestClient is scoped, so the credentials client is scoped too (per consumed
        // message); its cache is the singleton memory cache, shared across messages.
        services.AddDigiUsherAws(credentialsFromDataSource: false);
        services.AddScoped<IDataSourceCredentials, DataSourceCredentialsClient>();
        services.AddOptions<CurParserOptions>().BindConfiguration(CurParserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImportStore>();
        services.AddScoped<DeliveryImporter>();
        return services;
    }
}
