using MassTransit;

namespace DigiUsher.ServiceDefaults.Messaging;

/// <summary>
/// Who sent a message, as the broker vouches for it. Every message leaves with the AMQP <c>user_id</c>
/// property set to the connection's RabbitMQ user; RabbitMQ refuses a message whose <c>user_id</c> is not
/// the user it was published by (https://www.rabbitmq.com/docs/validated-user-id), so a consumer can
/// trust it. With one RabbitMQ user per service, it names the sending service.
/// </summary>
public static class SenderIdentity
{
    /// <summary>Stamps every sent and published message with <paramref name="username"/>.</summary>
    public static void StampUserId(this IRabbitMqBusFactoryConfigurator cfg, string username)
    {
        cfg.ConfigureSend(send => send.UseExecute(context => Stamp(context, username)));
        cfg.ConfigurePublish(publish => publish.UseExecute(context => Stamp(context, username)));
    }

    /// <summary>The RabbitMQ user that published the message being consumed, or null when it carries none (or came another way).</summary>
    public static string? SenderUserId(this ConsumeContext context) =>
        (context.ReceiveContext as RabbitMqBasicConsumeContext
            ?? (context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var payload) ? payload : null))?.Properties.UserId is { Length: > 0 } userId
            ? userId
            : null;

    private static void Stamp(SendContext context, string username)
    {
        if ((context as RabbitMqSendContext ?? (context.TryGetPayload<RabbitMqSendContext>(out var payload) ? payload : null)) is { } rabbit)
        {
            rabbit.BasicProperties.UserId = username;
        }
    }
}
