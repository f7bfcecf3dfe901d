using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MassTransit;

namespace DigiUsher.ServiceDefaults.Messaging;

/// <summary>
/// TLS to RabbitMQ (<c>RabbitMq:Tls</c>): TLS 1.2 or 1.3 only, the broker's certificate checked against its
/// name and the system's CAs, or against a private CA given as a PEM file; a client certificate when the
/// broker asks for one.
/// </summary>
public static class BrokerTls
{
    /// <summary>What the TLS connection asks for: the protocols, the name the certificate must carry, a client certificate, a private CA.</summary>
    public sealed record Settings(SslProtocols Protocol, string ServerName, string? ClientCertificatePath, string? ClientCertificatePassword, string? CaCertificatePath);

    public static Settings SettingsFor(RabbitMqOptions options)
    {
        var tls = options.Tls;
        return new Settings(
            SslProtocols.Tls12 | SslProtocols.Tls13,
            string.IsNullOrWhiteSpace(tls.ServerName) ? options.Host : tls.ServerName,
            string.IsNullOrWhiteSpace(tls.ClientCertificatePath) ? null : tls.ClientCertificatePath,
            tls.ClientCertificatePassword,
            string.IsNullOrWhiteSpace(tls.CaCertificatePath) ? null : tls.CaCertificatePath);
    }

    public static void Configure(IRabbitMqSslConfigurator ssl, RabbitMqOptions options)
    {
        var settings = SettingsFor(options);
        ssl.Protocol = settings.Protocol;
        ssl.ServerName = settings.ServerName;
        if (settings.ClientCertificatePath is not null)
        {
            ssl.CertificatePath = settings.ClientCertificatePath;
            ssl.CertificatePassphrase = settings.ClientCertificatePassword;
        }

        if (settings.CaCertificatePath is not null)
        {
            var ca = X509Certificate2.CreateFromPemFile(settings.CaCertificatePath);
            ssl.CertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(ca, certificate, errors);
        }
    }

    /// <summary>
    /// The broker's certificate is trusted when the system trusts it, or when it chains to <paramref name="ca"/>;
    /// a name mismatch or a missing certificate is never accepted.
    /// </summary>
    public static bool IsTrusted(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }
}
