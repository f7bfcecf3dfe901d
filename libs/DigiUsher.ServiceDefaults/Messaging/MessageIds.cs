using System.Security.Cryptography;
using System.Text;

namespace DigiUsher.ServiceDefaults.Messaging;

/// <summary>
/// Deterministic message ids: the same fact always gets the same id, so the outbox (unique
/// <c>message_id</c>) and the consumers publish and apply it once. The services came to three
/// layouts; each is kept because ids already written to outboxes (kept seven days after dispatch)
/// must keep their meaning: a retried write after an upgrade must find the id it wrote before.
/// </summary>
public static class MessageIds
{
    /// <summary>
    /// The first 16 bytes of SHA-256 of <paramref name="name"/>, in .NET's GUID byte order (no version
    /// bits). CurParser (<c>curparser:&lt;kind&gt;:&lt;key&gt;</c>) and ResourceDiscovery (<c>discovery:&lt;key&gt;</c>).
    /// </summary>
    public static Guid Sha256(string name) => new(Hash256(name));

    /// <summary>
    /// SHA-256 of <paramref name="name"/> laid out as an RFC 9562 name-based UUID (version 5 bits,
    /// big-endian). DataSource (<c>digiusher:datasource:&lt;key&gt;</c>).
    /// </summary>
    public static Guid Sha256NameBased(string name) => NameBased(Hash256(name));

    /// <summary>
    /// An RFC 9562 version 5 UUID: SHA-1 over <paramref name="namespaceId"/> and <paramref name="name"/>.
    /// CurPoller (its own namespace).
    /// </summary>
    public static Guid Version5(Guid namespaceId, string name)
    {
        var namespaceBytes = namespaceId.ToByteArray(bigEndian: true);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[namespaceBytes.Length + nameBytes.Length];
        namespaceBytes.CopyTo(input, 0);
        nameBytes.CopyTo(input, namespaceBytes.Length);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5; it is an identifier, not a security boundary.
        return NameBased(SHA1.HashData(input).AsSpan(0, 16));
#pragma warning restore CA5350
    }

    private static ReadOnlySpan<byte> Hash256(string name) => SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16);

    private static Guid NameBased(ReadOnlySpan<byte> hash)
    {
        var bytes = hash[..16].ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
