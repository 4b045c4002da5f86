go test fuzz v1
string("01JQ7ZC4M2T8Y1B5N0P6R3K9VD")
string("2026-03-14T19:02:11Z")
string("chat.message.sent")
string("")
bool(true)
[]byte("{\n  \"message_id\": \"c3a9f1d7-2b84-4e61-9f0a-7d5e8b1c4a26\",\n  \"broadcaster\": {\n    \"is_anonymous\": false,\n    \"user_id\": 4402117,\n    \"username\": \"northwind\",\n    \"is_verified\": true,\n    \"profile_picture\": \"https://files.kick.com/images/user/4402117/profile_image/conversion/northwind-fullsize.webp\",\n    \"channel_slug\": \"northwind\",\n    \"identity\": null\n  },\n  \"sender\": {\n    \"is_anonymous\": false,\n    \"user_id\": 51234077,\n    \"username\": \"pixelpanda\",\n    \"is_verified\": false,\n    \"profile_picture\": \"https://files.kick.com/images/user/51234077/profile_image/conversion/pixelpanda-fullsize.webp\",\n    \"channel_slug\": \"pixelpanda\",\n    \"identity\": {\n      \"username_color\": \"#1E90FF\",\n      \"badges\": [\n        { \"text\": \"Subscriber\", \"type\": \"subscriber\", \"count\": 6 }\n      ]\n    }\n  },\n  \"content\": \"!points\",\n  \"emotes\": null,\n  \"created_at\": \"2026-03-14T19:03:40Z\"\n}\n")
