using System.ComponentModel.DataAnnotations;

namespace DigiUsher.ServiceDefaults.Messaging;

/// <summary>Where the broker is (section <c>RabbitMq</c>).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string Username { get; set; } = "guest";

    [Required]
    public string Password { get; set; } = "guest";

    /// <summary>Messages fetched ahead per endpoint.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>
    /// How long one outbox publish may wait for the broker's confirm. A publish caught by a broker
    /// restart can wait for a confirm that never comes (its channel is gone); past this it is given up
    /// and the row published again (consumers deduplicate on its message id).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Use quorum queues (replicated, the default); off only for brokers without them.</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>TLS to the broker (AMQPS, usually port 5671).</summary>
    public RabbitMqTlsOptions Tls { get; set; } = new();
}

/// <summary>Section <c>RabbitMq:Tls</c>: AMQP over TLS 1.2 or 1.3, the broker's certificate checked.</summary>
public sealed class RabbitMqTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>The name the broker's certificate must carry; default: <see cref="RabbitMqOptions.Host"/>.</summary>
    public string? ServerName { get; set; }

    /// <summary>A PEM file of the CA that issued the broker's certificate, when not one the system trusts.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>A client certificate (PKCS#12) for brokers that require one, and its password.</summary>
    public string? ClientCertificatePath { get; set; }

    public string? ClientCertificatePassword { get; set; }
}
