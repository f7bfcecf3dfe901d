using System.CommandLine;
using DigiUsher.Admin;

var postgres = new Option<string>("--postgres") { Description = "Postgres admin connection string (env DIGIUSHER_ADMIN_POSTGRES)", Recursive = true };
var management = new Option<string>("--rabbitmq") { Description = "RabbitMQ management URL with credentials (env DIGIUSHER_ADMIN_RABBITMQ)", Recursive = true };
var amqp = new Option<string>("--amqp") { Description = "RabbitMQ AMQP URL with credentials (env DIGIUSHER_ADMIN_AMQP)", Recursive = true };
var vhost = new Option<string>("--vhost") { Description = "RabbitMQ virtual host (env DIGIUSHER_ADMIN_VHOST, default /)", Recursive = true };
var services = new Option<string>("--services") { Description = "Service addresses, Name=URL;... (env DIGIUSHER_ADMIN_SERVICES)", Recursive = true };

AdminSettings Settings(ParseResult parse) => new(
    parse.GetValue(postgres) ?? Env("DIGIUSHER_ADMIN_POSTGRES") ?? AdminSettings.DefaultPostgres,
    new Uri(parse.GetValue(management) ?? Env("DIGIUSHER_ADMIN_RABBITMQ") ?? AdminSettings.DefaultRabbitManagement),
    new Uri(parse.GetValue(amqp) ?? Env("DIGIUSHER_ADMIN_AMQP") ?? AdminSettings.DefaultAmqp),
    parse.GetValue(vhost) ?? Env("DIGIUSHER_ADMIN_VHOST") ?? "/",
    AdminSettings.ParseServices(parse.GetValue(services) ?? Env("DIGIUSHER_ADMIN_SERVICES") ?? AdminSettings.DefaultServices),
    Env("DIGIUSHER_ADMIN_CLIENT_SECRET"));

var root = new RootCommand("digiusher-admin: operate a DigiUsher installation.") { postgres, management, amqp, vhost, services };

var stuckAfter = new Option<int>("--stuck-after-minutes") { Description = "An import loading longer than this is listed as stuck", DefaultValueFactory = _ => 60 };
var status = new Command("status", "Services' readiness, queues with their depth, _error queues, stuck imports and outbox backlogs.") { stuckAfter };
status.SetAction((parse, ct) => Commands.StatusAsync(Settings(parse), TimeSpan.FromMinutes(parse.GetValue(stuckAfter)), Console.Out, ct));
root.Subcommands.Add(status);

var queueArgument = new Argument<string?>("queue") { Description = "An _error queue (the suffix may be left out)", Arity = ArgumentArity.ZeroOrOne };
var requiredQueue = new Argument<string>("queue") { Description = "An _error queue (the suffix may be left out)" };
var max = new Option<int>("--max") { Description = "At most this many messages", DefaultValueFactory = _ => 1000 };
var list = new Command("list", "Without a queue: every _error queue and its depth. With one: its messages and why they failed.") { queueArgument, max };
list.SetAction((parse, ct) => Commands.ErrorsListAsync(Settings(parse), parse.GetValue(queueArgument), parse.GetValue(max), Console.Out, ct));
var replay = new Command("replay", "Moves an _error queue's messages back to the queue they came from, to be consumed again.") { requiredQueue, max };
replay.SetAction((parse, ct) => Commands.ErrorsReplayAsync(Settings(parse), parse.GetValue(requiredQueue)!, parse.GetValue(max), Console.Out, ct));
var purgeQueue = new Argument<string>("queue") { Description = "An _error queue (the suffix may be left out)" };
var settledOnly = new Option<bool>("--settled") { Description = "Only the messages whose delivery was imported or superseded since (stale announcements)" };
var purge = new Command("purge", "Deletes every message of an _error queue (with --settled, only the stale ones).") { purgeQueue, settledOnly, max };
purge.SetAction((parse, ct) => parse.GetValue(settledOnly)
    ? Commands.ErrorsPurgeSettledAsync(Settings(parse), parse.GetValue(purgeQueue)!, parse.GetValue(max), Console.Out, ct)
    : Commands.ErrorsPurgeAsync(Settings(parse), parse.GetValue(purgeQueue)!, Console.Out, ct));
root.Subcommands.Add(new Command("errors", "The _error queues: messages a consumer gave up on after its retries.") { list, replay, purge });

var rekey = new Command("rekey", "Re-encrypts every stored secret with DataSource's current (first) key; older keys can then be removed.");
rekey.SetAction((parse, ct) => Commands.SecretsRekeyAsync(Settings(parse), Console.Out, ct));
root.Subcommands.Add(new Command("secrets", "Secrets at rest.") { rekey });

var reimportSource = new Argument<string>("data source") { Description = "The data source's id (GET /api/v1/data-sources lists it)" };
var reimportMonth = new Argument<string>("month") { Description = "The billing period, yyyy-MM" };
var waitMinutes = new Option<double>("--wait-minutes") { Description = "Wait this long for the new import to be current and print it (0: do not wait)", DefaultValueFactory = _ => 10 };
var reimport = new Command("reimport", "Imports one billing period of one data source again, through the services (its newest delivery; atomic per period).")
{
    reimportSource, reimportMonth, waitMinutes,
};
reimport.SetAction((parse, ct) => Commands.ReimportAsync(
    Settings(parse), parse.GetValue(reimportSource)!, parse.GetValue(reimportMonth)!, TimeSpan.FromMinutes(parse.GetValue(waitMinutes)), Console.Out, ct));
root.Subcommands.Add(reimport);

var quotaOrganization = new Argument<string>("organization") { Description = "The organization's id" };
var quotasShow = new Command("show", "The organization's quotas in force, where each comes from (default or override) and its stored override.") { quotaOrganization };
quotasShow.SetAction((parse, ct) => QuotaCommands.ShowAsync(Settings(parse), parse.GetValue(quotaOrganization)!, Console.Out, ct));
var dataSourcesQuota = new Option<int?>("--data-sources") { Description = "Data sources the organization may have at once" };
var keysQuota = new Option<int?>("--keys-per-poll") { Description = "Keys one poll lists under a data source's prefix" };
var manifestQuota = new Option<long?>("--manifest-bytes") { Description = "Bytes of one manifest" };
var deliveryBytesQuota = new Option<long?>("--delivery-bytes") { Description = "Bytes of one delivery's report files as S3 lists them" };
var deliveryRowsQuota = new Option<long?>("--delivery-rows") { Description = "Line items of one delivery" };
var quotaReason = new Option<string>("--reason") { Description = "Why (kept with the override), e.g. a ticket", Required = true };
var quotaExpires = new Option<DateTimeOffset?>("--expires-at") { Description = "When the defaults apply again (ISO 8601, e.g. 2026-01-03T00:00:00Z)" };
var quotasSet = new Command("set", "Overrides the organization's quotas given (replacing its previous override; the others are the defaults), effective at its next poll or import.")
{
    quotaOrganization, dataSourcesQuota, keysQuota, manifestQuota, deliveryBytesQuota, deliveryRowsQuota, quotaReason, quotaExpires,
};
quotasSet.SetAction((parse, ct) => QuotaCommands.SetAsync(Settings(parse), parse.GetValue(quotaOrganization)!, new QuotaOverrideValues(
    parse.GetValue(dataSourcesQuota), parse.GetValue(keysQuota), parse.GetValue(manifestQuota), parse.GetValue(deliveryBytesQuota), parse.GetValue(deliveryRowsQuota),
    parse.GetValue(quotaReason), parse.GetValue(quotaExpires)), Console.Out, ct));
var quotasClear = new Command("clear", "Removes the organization's override: the defaults apply again.") { quotaOrganization };
quotasClear.SetAction((parse, ct) => QuotaCommands.ClearAsync(Settings(parse), parse.GetValue(quotaOrganization)!, Console.Out, ct));
root.Subcommands.Add(new Command("quotas", "One organization's quotas: overridden by an operator, without a redeploy.") { quotasShow, quotasSet, quotasClear });

var migrateStatus = new Command("status", "The migrations applied to each service's schema.");
migrateStatus.SetAction((parse, ct) => Commands.MigrateStatusAsync(Settings(parse), Console.Out, ct));
root.Subcommands.Add(new Command("migrate", "Schema migrations (applied by each service's migrate step).") { migrateStatus });

return await root.Parse(args).InvokeAsync();

static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
