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
}
