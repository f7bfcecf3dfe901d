using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>AWS client factory and options; with <paramref name="credentialsFromDataSource"/>, the credentials client too.</summary>
    public static IServiceCollection AddDigiUsherAws(this IServiceCollection services, bool credentialsFromDataSource = true)
    {
        services.AddOptions<AwsOptions>().BindConfiguration(AwsOptions.Section);
        services.AddSingleton<AwsClientFactory>();
        services.AddMemoryCache();
        services.AddOptions<CredentialTransportOptions>().BindConfiguration(CredentialTransportOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CredentialSealer>();
        if (credentialsFromDataSource)
        {
            services.AddSingleton<IDataSourceCredentials, DataSourceCredentialsClient>();
        }

        return services;
    }

    /// <summary>Registers the <c>GetAwsCredentials</c> request client on the bus.</summary>
    public static void AddDataSourceCredentialsRequestClient(this IBusRegistrationConfigurator bus) =>
        bus.AddRequestClient<GetAwsCredentials>(RequestTimeout.After(s: 30));
}
