using System.Data.Common;
using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Orleans.Serialization;
using Orleans.Storage;

namespace Connects.Silo;

/// <summary>
/// Runs <see cref="LedgerAudit"/> over everything stored: every wallet, its statements and every job,
/// read straight from the grain storage table (so it sees what is durable, not what is cached in
/// activations). The admin endpoint and the <c>audit</c> command of the silo host both use it.
/// </summary>
public sealed class Auditor(StorageSettings storage, SiloSettings silo, Serializer serializer)
{
    private readonly OrleansGrainStorageSerializer _states = new(serializer);

    public async Task<AuditReport> Run(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var wallets = new Dictionary<string, WalletState>();
        var statements = new Dictionary<string, List<LedgerEntry>>();
        var jobs = new List<JobState>();

        await using var connection = storage.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT GrainTypeString, GrainIdExtension, PayloadBinary FROM OrleansStorage
            WHERE ServiceId = @service AND PayloadBinary IS NOT NULL AND GrainTypeString IN ('wallet', 'job', 'statement')
            """;
        var service = command.CreateParameter();
        service.ParameterName = "service";
        service.Value = silo.ServiceId;
        command.Parameters.Add(service);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var kind = reader.GetString(0);
            var key = GrainKeys.IdOf(reader.GetString(1));
            var payload = BinaryData.FromBytes((byte[])reader.GetValue(2));
            switch (kind)
            {
                case "wallet": wallets[key] = _states.Deserialize<WalletState>(payload)!; break;
                case "job": jobs.Add(_states.Deserialize<JobState>(payload)!); break;
                default:
                    var freelancer = key[..key.LastIndexOf('/')];
                    if (!statements.TryGetValue(freelancer, out var entries)) statements[freelancer] = entries = [];
                    entries.AddRange(_states.Deserialize<StatementState>(payload)!.Entries);
                    break;
            }
        }
        var stored = wallets.Select(w => new StoredWallet(w.Key, w.Value, statements.GetValueOrDefault(w.Key) ?? [])).ToList();
        return LedgerAudit.Run(stored, jobs, now);
    }
}
