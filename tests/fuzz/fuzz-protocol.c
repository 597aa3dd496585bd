/* libFuzzer target for the peer protocol's decoder: every input is one
 * WebSocket frame, tried both as a text message and as a file chunk.
 * Built by run-fuzz.sh with clang, ASan and UBSan. */

#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "dropify-protocol.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) chunk_error = NULL;
  char sha256[65];
  const guint8 *payload;
  gsize payload_length;
  uint64_t offset;

  message = dropify_message_parse ((const char *) data, size, &error);

  /* Exactly one of a message and an error, and errors are UTF-8: they end
   * up in logs and in close frames. */
  if ((message == NULL) == (error == NULL))
    __builtin_trap ();
  if (error != NULL && !g_utf8_validate (error->message, -1, NULL))
    __builtin_trap ();

  /* What was accepted encodes again, and that decodes the same way. */
  if (message != NULL && message->type == DROPIFY_MESSAGE_DROP)
    {
      g_autofree char *again = dropify_protocol_encode_drop (message->drop);
      g_autoptr(DropifyMessage) back = dropify_message_parse (again, strlen (again), NULL);

      if (back == NULL || back->type != DROPIFY_MESSAGE_DROP ||
          g_strcmp0 (dropify_drop_get_id (back->drop), dropify_drop_get_id (message->drop)) != 0)
        __builtin_trap ();
    }

  if (dropify_protocol_parse_chunk (data, size, sha256, &offset, &payload, &payload_length, &chunk_error))
    {
      if (payload < data || payload + payload_length != data + size || payload_length == 0)
        __builtin_trap ();
    }

  return 0;
}
