#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dropify-core.h"

G_BEGIN_DECLS

/* A clock the test moves by hand. */
typedef struct
{
  int64_t now;
} DropifyTestClock;

int64_t        dropify_test_clock_now        (gpointer          clock);

char          *dropify_test_make_dir         (const char       *name);
void           dropify_test_remove_dir       (const char       *path);
char          *dropify_test_sha256_file      (const char       *path);
char          *dropify_test_write_random     (const char       *dir,
                                              const char       *name,
                                              gsize             size);
gboolean       dropify_test_wait_for         (gboolean        (*check) (gpointer data),
                                              gpointer          data,
                                              guint             timeout_ms);

/* One case of a table that a long test binary registers with
 * dropify_test_add_cases(): @func, or @data_func with @data. */
typedef struct
{
  const char    *path;
  GTestFunc      func;
  GTestDataFunc  data_func;
  gconstpointer  data;
} DropifyTestCase;

guint          dropify_test_add_cases        (const DropifyTestCase *cases,
                                              guint                  n_cases);

/* A real `dropify` binary (DROPIFY_BIN) run as a subprocess. */
typedef struct
{
  int    status;      /* exit status */
  char  *out;
  char  *err;
} DropifyTestRun;

void           dropify_test_run_free         (DropifyTestRun   *run);
DropifyTestRun *dropify_test_run             (const char       *first_arg,
                                              ...) G_GNUC_NULL_TERMINATED;
DropifyTestRun *dropify_test_runv            (const char * const *args,
                                              const char       *stdin_text);
DropifyTestRun *dropify_test_runv_iterating  (const char * const *args);
JsonNode      *dropify_test_list_json        (const char       *data_dir);
char          *dropify_test_address_of       (const char       *data_dir);
char          *dropify_test_device_id_of     (const char       *data_dir);

typedef struct
{
  GSubprocess *process;
  char        *data_dir;
  char        *log_path;
} DropifyTestInstance;

DropifyTestInstance *dropify_test_instance_start (const char          *data_dir,
                                                  const char * const  *extra_args);
DropifyTestInstance *dropify_test_instance_start_limited (const char         *data_dir,
                                                          const char * const *extra_args,
                                                          guint               max_open_files);
int                  dropify_test_instance_stop  (DropifyTestInstance *instance,
                                                  int                  signum);
void                 dropify_test_instance_free  (DropifyTestInstance *instance);

/* A named `dropify --headless` on its own data dir that knows a group
 * secret; once started, its device id and the address it listens on. */
typedef struct
{
  char                *name;
  char                *group_secret;
  char                *dir;
  char                *id;
  char                *address;   /* "127.0.0.1:PORT" */
  DropifyTestInstance *instance;  /* NULL while stopped */
} DropifyTestPeer;

DropifyTestPeer *dropify_test_peer_new          (const char         *name,
                                                 const char         *group_secret);
void             dropify_test_peer_start        (DropifyTestPeer    *peer,
                                                 const char * const *extra_args,
                                                 ...) G_GNUC_NULL_TERMINATED;
int              dropify_test_peer_stop         (DropifyTestPeer    *peer,
                                                 int                 signum);
void             dropify_test_peer_free         (DropifyTestPeer    *peer);
guint            dropify_test_peer_n_trusted    (DropifyTestPeer    *peer);
void             dropify_test_peer_wait_trusted (DropifyTestPeer    *peer,
                                                 guint               n,
                                                 guint               timeout_ms);

/* Two peers that know one group secret: A listens, B dials it, and
 * both trust each other. */
typedef struct
{
  DropifyTestPeer *a;
  DropifyTestPeer *b;
} DropifyTestPair;

DropifyTestPair *dropify_test_pair_start        (const char         *name_a,
                                                 const char         *name_b,
                                                 const char         *group_secret,
                                                 const char * const *extra_b);
void             dropify_test_pair_start_b      (DropifyTestPair    *pair,
                                                 const char * const *extra_b);
void             dropify_test_pair_free         (DropifyTestPair    *pair);

/* A real instance in this process (DropifyService as --headless runs
 * it), listening on a free port of 127.0.0.1, discovery off. */
typedef struct
{
  char           *dir;
  DropifyService *service;
} DropifyTestNode;

DropifyTestNode *dropify_test_node_start      (const char       *name,
                                               const char       *group_secret);
void             dropify_test_node_stop       (DropifyTestNode  *node);
void             dropify_test_node_restart    (DropifyTestNode  *node,
                                               const char       *group_secret);
void             dropify_test_node_connect    (DropifyTestNode  *from,
                                               DropifyTestNode  *to);
char            *dropify_test_node_send_text  (DropifyTestNode  *node,
                                               const char       *text);
gboolean         dropify_test_node_has_drop   (DropifyTestNode  *node,
                                               const char       *id,
                                               guint             timeout_ms);

/* @text, printed by the CLI or shown, carries none of a stranger's escape,
 * carriage return, bell or right-to-left override raw. */
void             dropify_test_assert_inert    (const char       *what,
                                               const char       *text);

/* One WebSocket frame as a peer would write it to the wire, masked (as a
 * client sends) or not (as a server does), @payload or @length bytes of
 * 'a' when @payload is NULL. */
GBytes          *dropify_test_websocket_frame (gboolean          fin,
                                               guint8            opcode,
                                               gboolean          masked,
                                               const guint8     *payload,
                                               gsize             length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyTestRun, dropify_test_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyTestInstance, dropify_test_instance_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyTestPeer, dropify_test_peer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyTestPair, dropify_test_pair_free)

G_END_DECLS
