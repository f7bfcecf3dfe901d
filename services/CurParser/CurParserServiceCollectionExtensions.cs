using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser;

public static class CurParserServiceCollectionExtensions
{
    /// <summary>Options and the import pipeline.</summary>
    public static IServiceCollection AddCurParser(this IServiceCollection services)
    {
        services.AddOptions<CurParserOptions>().BindConfiguration(CurParserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImportStore>();
        services.AddSingleton<DeliveryImporter>();
        return services;
    }
}
