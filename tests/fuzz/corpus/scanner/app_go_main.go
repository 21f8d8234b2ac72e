// Command exporter uploads nightly order exports to S3.
// Test corpus for leakhound: every credential in this file is fake, generated at random.
package main

import (
	"context"
	"database/sql"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/microsoft/go-mssqldb"
)

const crmDSN = "sqlserver://exporter:ObVpdDFlr7VC8mdFTZ@mssql.acme-shop.internal:1433?database=crm"

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"))
	if err != nil {
		log.Fatal(err)
	}
	if os.Getenv("EXPORTER_STATIC_CREDS") == "1" {
		cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(
			func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{
					AccessKeyID:     "AKIAJQRMC5GFWOVRVHLZ",
					SecretAccessKey: "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",
				}, nil
			}))
	}
	db, err := sql.Open("sqlserver", crmDSN)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	_ = s3.NewFromConfig(cfg)
}
