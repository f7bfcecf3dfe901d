using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DigiUsher.ServiceDefaults.Messaging;

namespace DigiUsher.Foundation.Tests;

/// <summary>The broker's certificate check when RabbitMQ's TLS certificate comes from a private CA.</summary>
public class BrokerTlsTests
{
    [Fact]
    public void IsTrusted_WhenTheBrokerCertificateChainsToTheConfiguredCa_AcceptsItAndRefusesAnotherCasAndNameMismatches()
    {
        using var ca = CertificateAuthority("DigiUsher test broker CA");
        using var otherCa = CertificateAuthority("Someone else's CA");
        using var broker = Leaf(ca, "rabbitmq.internal");
        using var impostor = Leaf(otherCa, "rabbitmq.internal");
        using var caPublic = X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert));

        Assert.True(BrokerTls.IsTrusted(caPublic, broker, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(BrokerTls.IsTrusted(caPublic, impostor, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(BrokerTls.IsTrusted(caPublic, broker, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(BrokerTls.IsTrusted(caPublic, null, SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.True(BrokerTls.IsTrusted(caPublic, impostor, SslPolicyErrors.None));
    }

    [Fact]
    public void SettingsFor_WhenTlsIsOn_AsksForTls12Or13AndTheHostsNameUnlessAnotherIsGiven()
    {
        var options = new RabbitMqOptions { Host = "rabbitmq.internal", Tls = new RabbitMqTlsOptions { Enabled = true, ServerName = " " } };

        var settings = BrokerTls.SettingsFor(options);

        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, settings.Protocol);
        Assert.Equal("rabbitmq.internal", settings.ServerName);
        Assert.Null(settings.CaCertificatePath);
        options.Tls.ServerName = "broker.example.com";
        Assert.Equal("broker.example.com", BrokerTls.SettingsFor(options).ServerName);
    }

    private static X509Certificate2 CertificateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Leaf(X509Certificate2 issuer, string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(8);
        return request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
    }
}
